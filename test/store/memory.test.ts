import { MemoryStore } from "../../src/store/memory-store.js";
import { describeStoreConformance } from "./conformance.js";

describeStoreConformance("MemoryStore", async () => new MemoryStore());
