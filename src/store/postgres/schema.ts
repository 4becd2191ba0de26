/**
 * The PostgreSQL schema of `PostgresStore` and its versioned migrations. A
 * database (or one schema of it) is migrated in one transaction under an
 * advisory lock, so engines and workers starting together migrate it once;
 * a schema made by a newer Aloft is refused rather than misread.
 *
 * Text that is compared or ordered uses the `"C"` collation, so rows come
 * back in the same (code point) order as from SQLite and memory; JSON values
 * are text, as the store never looks inside them.
 *
 * @module
 */
import { SchemaTooNewError } from "../../errors.js";
import { transaction } from "./sql.js";
import type pg from "pg";

/**
 * The migrations, in order: migration `i` brings the schema to version `i + 1`.
 *
 * @example
 * ```ts
 * PG_MIGRATIONS.length; // the schema version a new database gets
 * ```
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE entities (
    kind text COLLATE "C" NOT NULL,
    project text COLLATE "C" NOT NULL,
    domain text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    version text COLLATE "C" NOT NULL,
    spec text,
    digest text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (kind, project, domain, name, version)
  );
  CREATE INDEX entities_by_name ON entities (kind, name, created_at, version);

  CREATE TABLE executions (
    id text COLLATE "C" PRIMARY KEY,
    project text COLLATE "C" NOT NULL,
    domain text COLLATE "C" NOT NULL,
    workflow text NOT NULL,
    workflow_name text COLLATE "C" NOT NULL,
    launch_plan text,
    launch_plan_name text COLLATE "C",
    phase text NOT NULL,
    inputs text,
    outputs text,
    error text,
    parent_id text COLLATE "C",
    parent_path text,
    options text NOT NULL,
    created_at bigint NOT NULL,
    started_at bigint,
    ended_at bigint,
    updated_at bigint NOT NULL
  );
  CREATE INDEX executions_by_created ON executions (created_at, id);
  CREATE INDEX executions_by_project ON executions (project, domain, created_at, id);
  CREATE INDEX executions_by_workflow ON executions (workflow_name, created_at, id);
  CREATE INDEX executions_by_launch_plan ON executions (launch_plan_name, created_at, id) WHERE launch_plan_name IS NOT NULL;
  CREATE INDEX executions_by_phase ON executions (phase, created_at, id);
  CREATE INDEX executions_by_parent ON executions (parent_id, created_at, id) WHERE parent_id IS NOT NULL;

  CREATE TABLE nodes (
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    path text COLLATE "C" NOT NULL,
    entity text NOT NULL,
    phase text NOT NULL,
    attempts integer NOT NULL,
    system_attempts integer NOT NULL,
    cache_status text NOT NULL,
    inputs text,
    outputs text,
    error text,
    started_at bigint,
    ended_at bigint,
    updated_at bigint NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (execution_id, path)
  );

  CREATE TABLE events (
    id bigserial PRIMARY KEY,
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    due_at bigint NOT NULL,
    body text NOT NULL,
    consumed smallint NOT NULL DEFAULT 0
  );
  CREATE INDEX events_pending ON events (due_at, id) WHERE consumed = 0;
  CREATE INDEX events_pending_by_id ON events (id, due_at) WHERE consumed = 0;
  CREATE INDEX events_by_execution ON events (execution_id, id);

  CREATE TABLE task_items (
    id text COLLATE "C" PRIMARY KEY,
    execution_id text COLLATE "C" NOT NULL REFERENCES executions (id),
    path text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    system_attempts integer NOT NULL,
    max_system_attempts integer NOT NULL,
    task text NOT NULL,
    inputs text,
    options text NOT NULL,
    ready_at bigint NOT NULL,
    lease_token text,
    lease_owner text,
    lease_expires_at bigint
  );
  CREATE INDEX task_items_ready ON task_items (ready_at, id);
  CREATE INDEX task_items_leases ON task_items (lease_expires_at) WHERE lease_token IS NOT NULL;
  CREATE INDEX task_items_by_node ON task_items (execution_id, path);

  CREATE TABLE cache (
    key text COLLATE "C" PRIMARY KEY,
    task text NOT NULL,
    version text NOT NULL,
    outputs text,
    created_at bigint NOT NULL
  );

  CREATE TABLE cache_locks (
    key text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    expires_at bigint NOT NULL
  );

  CREATE TABLE schedule_ticks (
    schedule text COLLATE "C" NOT NULL,
    tick_at bigint NOT NULL,
    PRIMARY KEY (schedule, tick_at)
  );

  CREATE TABLE engine_lock_holder (
    one smallint PRIMARY KEY CHECK (one = 1),
    pid integer NOT NULL,
    host text NOT NULL,
    command text NOT NULL,
    since bigint NOT NULL
  );
  `,
  // 2: several engines over one database: engines with leases, and which engine owns each execution (the epoch fences stale steps).
  `
  DROP TABLE engine_lock_holder;
  ALTER TABLE executions ADD COLUMN owner text COLLATE "C";
  ALTER TABLE executions ADD COLUMN owner_epoch integer NOT NULL DEFAULT 0;
  CREATE INDEX executions_by_owner ON executions (owner) WHERE owner IS NOT NULL;
  CREATE TABLE engines (
    id text COLLATE "C" PRIMARY KEY,
    pid integer NOT NULL,
    host text NOT NULL,
    command text NOT NULL,
    since bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  `,
  `
  CREATE TABLE attempt_logs (
    execution_id text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    system_attempt integer NOT NULL,
    worker_id text NOT NULL,
    started_at bigint NOT NULL,
    ended_at bigint NOT NULL,
    outcome text NOT NULL,
    error text,
    lines text NOT NULL,
    log_bytes bigint NOT NULL,
    dropped_bytes bigint NOT NULL,
    PRIMARY KEY (execution_id, path, attempt, system_attempt)
  );
  `,
  // 4: the engine's step as one statement. `aloft_commit(groups, whole)` applies groups of steps (the port's
  // `commitGroups`) in the caller's statement: one round trip and, alone, one implicit transaction, where a
  // step had been a BEGIN, a fence check, a statement per kind of row and a COMMIT. Each step is the JSON of
  // `src/store/postgres/commit.ts`; a refusal is raised as SQLSTATE AL001 with a JSON array naming it
  // (`whole`: the statement fails; otherwise each group runs in a subtransaction of its own, and the refusal
  // comes back in its place, NULL for a group applied). `aloft_apply_step` checks and writes one step in the
  // order the port documents; a later migration that changes what a step writes replaces it.
  `
  CREATE OR REPLACE FUNCTION aloft_apply_step(s json, fenced text[]) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    eng text := s->'f'->>'e';
    fresh text[];
    ids bigint[];
    done bigint[];
    want text[];
    got text[];
    bad record;
    bad_id bigint;
  BEGIN
    -- The fence: every execution the step touches still owned by its engine at the epoch it holds, once per
    -- execution and transaction, locked (FOR NO KEY UPDATE, in id order) until the commit.
    IF eng IS NOT NULL THEN
      fresh := ARRAY(SELECT x->>0 FROM json_array_elements(s->'f'->'x') AS x WHERE NOT ((x->>0) || '|' || (x->>1)) = ANY (fenced));
      IF cardinality(fresh) > 0 THEN
        PERFORM 1 FROM executions WHERE id = ANY (fresh) ORDER BY id FOR NO KEY UPDATE;
        SELECT x->>0 AS id INTO bad FROM json_array_elements(s->'f'->'x') WITH ORDINALITY AS t(x, ord) LEFT JOIN executions e ON e.id = x->>0
          WHERE x->>0 = ANY (fresh) AND (e.id IS NULL OR e.owner IS DISTINCT FROM eng OR e.owner_epoch <> (x->>1)::integer) ORDER BY ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('fenced', bad.id, eng)::text; END IF;
        fenced := fenced || ARRAY(SELECT (x->>0) || '|' || (x->>1) FROM json_array_elements(s->'f'->'x') AS x WHERE x->>0 = ANY (fresh));
      END IF;
    END IF;
    -- Consumed events are pruned; one gone (or given twice) is refused: consumed if its id was handed out.
    IF json_array_length(s->'c') > 0 THEN
      ids := ARRAY(SELECT v::text::bigint FROM json_array_elements(s->'c') AS v);
      WITH d AS (DELETE FROM events WHERE id = ANY (ids) AND consumed = 0 RETURNING id) SELECT array_agg(id) INTO done FROM d;
      IF coalesce(cardinality(done), 0) <> cardinality(ids) THEN
        SELECT t.id INTO bad_id FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(done, '{}'))) OR EXISTS (SELECT 1 FROM unnest(ids) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF EXISTS (SELECT 1 FROM events WHERE id = bad_id)
           OR (bad_id >= 1 AND bad_id <= coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass), 0)) THEN
          RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventConsumed', bad_id)::text;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventMissing', bad_id)::text;
      END IF;
    END IF;
    -- Items whose results the step applies itself: removed only under the lease the result came with.
    IF json_array_length(s->'fi') > 0 THEN
      WITH d AS (DELETE FROM task_items t USING json_array_elements(s->'fi') AS f WHERE t.id = f->>0 AND t.lease_token = f->>1 RETURNING t.id) SELECT array_agg(id) INTO got FROM d;
      IF coalesce(cardinality(got), 0) <> json_array_length(s->'fi') THEN
        SELECT f->>0 AS id INTO bad FROM json_array_elements(s->'fi') WITH ORDINALITY AS t(f, ord)
          WHERE NOT ((f->>0) = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM json_array_elements(s->'fi') WITH ORDINALITY AS u(f, ord) WHERE u.f->>0 = t.f->>0 AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('leaseLost', bad.id)::text;
      END IF;
    END IF;
    -- New executions; a taken id is refused.
    IF json_array_length(s->'ce') > 0 THEN
      want := ARRAY(SELECT r.id FROM json_populate_recordset(NULL::executions, s->'ce') AS r);
      WITH i AS (
        INSERT INTO executions (id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at)
        SELECT id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at
        FROM json_populate_recordset(NULL::executions, s->'ce') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('duplicateExecution', bad.id)::text;
      END IF;
    END IF;
    -- Changed executions: the full new rows (owner and epoch untouched).
    IF json_array_length(s->'ex') > 0 THEN
      FOR bad IN SELECT * FROM json_populate_recordset(NULL::executions, s->'ex') LOOP
        UPDATE executions SET project = bad.project, domain = bad.domain, workflow = bad.workflow, workflow_name = bad.workflow_name, launch_plan = bad.launch_plan,
          launch_plan_name = bad.launch_plan_name, phase = bad.phase, inputs = bad.inputs, outputs = bad.outputs, error = bad.error, parent_id = bad.parent_id,
          parent_path = bad.parent_path, options = bad.options, created_at = bad.created_at, started_at = bad.started_at, ended_at = bad.ended_at, updated_at = bad.updated_at
        WHERE id = bad.id;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'changed by the step')::text; END IF;
      END LOOP;
    END IF;
    -- Nodes: one row per node, the last write of a node in the step winning.
    IF json_array_length(s->'n') > 0 THEN
      SELECT n->>'execution_id' AS id, n->>'path' AS path INTO bad FROM json_array_elements(s->'n') WITH ORDINALITY AS t(n, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = n->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      INSERT INTO nodes (execution_id, path, entity, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data)
      SELECT DISTINCT ON (r.execution_id, r.path) r.execution_id, r.path, r.entity, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error, r.started_at, r.ended_at, r.updated_at, r.data
      FROM json_populate_recordset(NULL::nodes, s->'n') WITH ORDINALITY AS r ORDER BY r.execution_id, r.path, r.ordinality DESC
      ON CONFLICT (execution_id, path) DO UPDATE SET entity = excluded.entity, phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, data = excluded.data;
    END IF;
    -- Withdrawn tasks.
    IF json_array_length(s->'ct') > 0 THEN
      DELETE FROM task_items t USING json_array_elements(s->'ct') AS c WHERE t.execution_id = c->>0 AND t.path = c->>1;
    END IF;
    -- Queued tasks; an item already queued (or twice in the step) is refused.
    IF json_array_length(s->'q') > 0 THEN
      SELECT q->>'execution_id' AS id, q->>'id' AS item INTO bad FROM json_array_elements(s->'q') WITH ORDINALITY AS t(q, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = q->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'task item "' || bad.item || '"')::text; END IF;
      want := ARRAY(SELECT r.id FROM json_populate_recordset(NULL::task_items, s->'q') AS r);
      -- Leases given in the step (their columns come with the items): each on an item the step enqueues, once.
      IF json_array_length(s->'le') > 0 THEN
        SELECT l AS id INTO bad FROM json_array_elements_text(s->'le') WITH ORDINALITY AS t(l, ord)
          WHERE NOT (l = ANY (want)) OR EXISTS (SELECT 1 FROM json_array_elements_text(s->'le') WITH ORDINALITY AS u(l, ord) WHERE u.l = t.l AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', bad.id)::text; END IF;
      END IF;
      WITH i AS (
        INSERT INTO task_items (id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at)
        SELECT id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at
        FROM json_populate_recordset(NULL::task_items, s->'q') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemExists', bad.id)::text;
      END IF;
    ELSIF json_array_length(s->'le') > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', s->'le'->>0)::text;
    END IF;
    -- Events, in order (their ids follow it).
    IF json_array_length(s->'ev') > 0 THEN
      SELECT e->>'x' AS id, e->>'t' AS type INTO bad FROM json_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = e->>'x') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'event "' || bad.type || '"')::text; END IF;
      INSERT INTO events (execution_id, due_at, body)
      SELECT e->>'x', (e->>'d')::bigint, e->>'b' FROM json_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord) ORDER BY ord;
    END IF;
    -- Cache entries, the last of a key winning.
    IF json_array_length(s->'cp') > 0 THEN
      INSERT INTO cache (key, task, version, outputs, created_at)
      SELECT DISTINCT ON (r.key) r.key, r.task, r.version, r.outputs, r.created_at FROM json_populate_recordset(NULL::cache, s->'cp') WITH ORDINALITY AS r ORDER BY r.key, r.ordinality DESC
      ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at;
    END IF;
    -- Executions the step created are its engine's, at epoch 1.
    IF eng IS NOT NULL AND json_array_length(s->'ce') > 0 THEN
      UPDATE executions SET owner = eng, owner_epoch = 1 WHERE id = ANY (ARRAY(SELECT r.id FROM json_populate_recordset(NULL::executions, s->'ce') AS r));
    END IF;
    RETURN fenced;
  END
  $aloft$;

  CREATE OR REPLACE FUNCTION aloft_commit(groups json, whole boolean) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    g json;
    s json;
    fenced text[] := '{}';
    mine text[];
    results text[] := '{}';
  BEGIN
    FOR g IN SELECT value FROM json_array_elements(groups) LOOP
      IF whole THEN
        FOR s IN SELECT value FROM json_array_elements(g->'s') LOOP
          fenced := aloft_apply_step(s, fenced);
        END LOOP;
        PERFORM pg_notify(c, '') FROM json_array_elements_text(g->'n') AS c;
        results := results || NULL::text;
      ELSE
        -- A group of its own: a refusal rolls back its writes, its notifications and the locks it took.
        mine := fenced;
        BEGIN
          FOR s IN SELECT value FROM json_array_elements(g->'s') LOOP
            mine := aloft_apply_step(s, mine);
          END LOOP;
          PERFORM pg_notify(c, '') FROM json_array_elements_text(g->'n') AS c;
          fenced := mine;
          results := results || NULL::text;
        EXCEPTION WHEN SQLSTATE 'AL001' THEN
          results := results || SQLERRM;
        END;
      END IF;
    END LOOP;
    RETURN results;
  END
  $aloft$;
  `,
  // 5: map tasks' elements apart from the nodes, and a map's inputs (the whole list it maps) written once:
  // an element's start or end writes its own small row, not its map's (src/store/map-elements.ts). Rows of
  // executions in flight move over: elements (their data kept whole; only its marks are read) and the inputs
  // of map rows (their running counts stay, never read again: they are counted from the elements). The step
  // function writes elements (`me`) and map inputs (`mi`) apart from the nodes (`n`).
  `
  CREATE TABLE map_elements (
    execution_id text COLLATE "C" NOT NULL,
    map_path text COLLATE "C" NOT NULL,
    idx integer NOT NULL,
    phase text NOT NULL,
    attempts integer NOT NULL,
    system_attempts integer NOT NULL,
    cache_status text NOT NULL,
    inputs text,
    outputs text,
    error text,
    started_at bigint,
    ended_at bigint,
    updated_at bigint NOT NULL,
    marks text NOT NULL,
    PRIMARY KEY (execution_id, map_path, idx),
    FOREIGN KEY (execution_id, map_path) REFERENCES nodes (execution_id, path)
  );
  CREATE TABLE map_inputs (
    execution_id text COLLATE "C" NOT NULL,
    path text COLLATE "C" NOT NULL,
    inputs text,
    PRIMARY KEY (execution_id, path),
    FOREIGN KEY (execution_id, path) REFERENCES nodes (execution_id, path)
  );
  INSERT INTO map_inputs (execution_id, path, inputs)
    SELECT execution_id, path, inputs FROM nodes WHERE data::json->>'kind' = 'array';
  UPDATE nodes SET inputs = NULL WHERE data::json->>'kind' = 'array';
  INSERT INTO map_elements (execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks)
    SELECT execution_id, substring(path from '^(.*)\\[[0-9]+\\]$'), substring(path from '\\[([0-9]+)\\]$')::integer,
      phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data
    FROM nodes WHERE data::json->>'kind' = 'element';
  DELETE FROM nodes WHERE data::json->>'kind' = 'element';

  CREATE OR REPLACE FUNCTION aloft_apply_step(s json, fenced text[]) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    eng text := s->'f'->>'e';
    fresh text[];
    ids bigint[];
    done bigint[];
    want text[];
    got text[];
    bad record;
    bad_id bigint;
  BEGIN
    -- The fence: every execution the step touches still owned by its engine at the epoch it holds, once per
    -- execution and transaction, locked (FOR NO KEY UPDATE, in id order) until the commit.
    IF eng IS NOT NULL THEN
      fresh := ARRAY(SELECT x->>0 FROM json_array_elements(s->'f'->'x') AS x WHERE NOT ((x->>0) || '|' || (x->>1)) = ANY (fenced));
      IF cardinality(fresh) > 0 THEN
        PERFORM 1 FROM executions WHERE id = ANY (fresh) ORDER BY id FOR NO KEY UPDATE;
        SELECT x->>0 AS id INTO bad FROM json_array_elements(s->'f'->'x') WITH ORDINALITY AS t(x, ord) LEFT JOIN executions e ON e.id = x->>0
          WHERE x->>0 = ANY (fresh) AND (e.id IS NULL OR e.owner IS DISTINCT FROM eng OR e.owner_epoch <> (x->>1)::integer) ORDER BY ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('fenced', bad.id, eng)::text; END IF;
        fenced := fenced || ARRAY(SELECT (x->>0) || '|' || (x->>1) FROM json_array_elements(s->'f'->'x') AS x WHERE x->>0 = ANY (fresh));
      END IF;
    END IF;
    -- Consumed events are pruned; one gone (or given twice) is refused: consumed if its id was handed out.
    IF json_array_length(s->'c') > 0 THEN
      ids := ARRAY(SELECT v::text::bigint FROM json_array_elements(s->'c') AS v);
      WITH d AS (DELETE FROM events WHERE id = ANY (ids) AND consumed = 0 RETURNING id) SELECT array_agg(id) INTO done FROM d;
      IF coalesce(cardinality(done), 0) <> cardinality(ids) THEN
        SELECT t.id INTO bad_id FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(done, '{}'))) OR EXISTS (SELECT 1 FROM unnest(ids) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF EXISTS (SELECT 1 FROM events WHERE id = bad_id)
           OR (bad_id >= 1 AND bad_id <= coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass), 0)) THEN
          RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventConsumed', bad_id)::text;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventMissing', bad_id)::text;
      END IF;
    END IF;
    -- Items whose results the step applies itself: removed only under the lease the result came with.
    IF json_array_length(s->'fi') > 0 THEN
      WITH d AS (DELETE FROM task_items t USING json_array_elements(s->'fi') AS f WHERE t.id = f->>0 AND t.lease_token = f->>1 RETURNING t.id) SELECT array_agg(id) INTO got FROM d;
      IF coalesce(cardinality(got), 0) <> json_array_length(s->'fi') THEN
        SELECT f->>0 AS id INTO bad FROM json_array_elements(s->'fi') WITH ORDINALITY AS t(f, ord)
          WHERE NOT ((f->>0) = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM json_array_elements(s->'fi') WITH ORDINALITY AS u(f, ord) WHERE u.f->>0 = t.f->>0 AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('leaseLost', bad.id)::text;
      END IF;
    END IF;
    -- New executions; a taken id is refused.
    IF json_array_length(s->'ce') > 0 THEN
      want := ARRAY(SELECT r.id FROM json_populate_recordset(NULL::executions, s->'ce') AS r);
      WITH i AS (
        INSERT INTO executions (id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at)
        SELECT id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at
        FROM json_populate_recordset(NULL::executions, s->'ce') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('duplicateExecution', bad.id)::text;
      END IF;
    END IF;
    -- Changed executions: the full new rows (owner and epoch untouched).
    IF json_array_length(s->'ex') > 0 THEN
      FOR bad IN SELECT * FROM json_populate_recordset(NULL::executions, s->'ex') LOOP
        UPDATE executions SET project = bad.project, domain = bad.domain, workflow = bad.workflow, workflow_name = bad.workflow_name, launch_plan = bad.launch_plan,
          launch_plan_name = bad.launch_plan_name, phase = bad.phase, inputs = bad.inputs, outputs = bad.outputs, error = bad.error, parent_id = bad.parent_id,
          parent_path = bad.parent_path, options = bad.options, created_at = bad.created_at, started_at = bad.started_at, ended_at = bad.ended_at, updated_at = bad.updated_at
        WHERE id = bad.id;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'changed by the step')::text; END IF;
      END LOOP;
    END IF;
    -- Nodes: one row per node, the last write of a node in the step winning (a map's without its inputs).
    IF json_array_length(s->'n') > 0 THEN
      SELECT n->>'execution_id' AS id, n->>'path' AS path INTO bad FROM json_array_elements(s->'n') WITH ORDINALITY AS t(n, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = n->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      INSERT INTO nodes (execution_id, path, entity, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data)
      SELECT DISTINCT ON (r.execution_id, r.path) r.execution_id, r.path, r.entity, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error, r.started_at, r.ended_at, r.updated_at, r.data
      FROM json_populate_recordset(NULL::nodes, s->'n') WITH ORDINALITY AS r ORDER BY r.execution_id, r.path, r.ordinality DESC
      ON CONFLICT (execution_id, path) DO UPDATE SET entity = excluded.entity, phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, data = excluded.data;
    END IF;
    -- A map's inputs (the whole list it maps), written the first time only: they never change.
    IF json_array_length(s->'mi') > 0 THEN
      INSERT INTO map_inputs (execution_id, path, inputs) SELECT m->>0, m->>1, m->>2 FROM json_array_elements(s->'mi') AS m ON CONFLICT (execution_id, path) DO NOTHING;
    END IF;
    -- Map elements, each of a map whose row is stored (or written above): one row per element, the last write winning.
    IF json_array_length(s->'me') > 0 THEN
      SELECT r.execution_id AS id, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM json_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = r.execution_id) ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      SELECT r.execution_id AS id, r.map_path AS map, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM json_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE execution_id = r.execution_id AND path = r.map_path AND data::json->>'kind' = 'array') ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('mapMissing', bad.id, bad.path, bad.map)::text; END IF;
      INSERT INTO map_elements (execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks)
      SELECT DISTINCT ON (r.execution_id, r.map_path, r.idx) r.execution_id, r.map_path, r.idx, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error,
        r.started_at, r.ended_at, r.updated_at, r.marks
      FROM json_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r ORDER BY r.execution_id, r.map_path, r.idx, r.ordinality DESC
      ON CONFLICT (execution_id, map_path, idx) DO UPDATE SET phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, marks = excluded.marks;
    END IF;
    -- Withdrawn tasks.
    IF json_array_length(s->'ct') > 0 THEN
      DELETE FROM task_items t USING json_array_elements(s->'ct') AS c WHERE t.execution_id = c->>0 AND t.path = c->>1;
    END IF;
    -- Queued tasks; an item already queued (or twice in the step) is refused.
    IF json_array_length(s->'q') > 0 THEN
      SELECT q->>'execution_id' AS id, q->>'id' AS item INTO bad FROM json_array_elements(s->'q') WITH ORDINALITY AS t(q, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = q->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'task item "' || bad.item || '"')::text; END IF;
      want := ARRAY(SELECT r.id FROM json_populate_recordset(NULL::task_items, s->'q') AS r);
      -- Leases given in the step (their columns come with the items): each on an item the step enqueues, once.
      IF json_array_length(s->'le') > 0 THEN
        SELECT l AS id INTO bad FROM json_array_elements_text(s->'le') WITH ORDINALITY AS t(l, ord)
          WHERE NOT (l = ANY (want)) OR EXISTS (SELECT 1 FROM json_array_elements_text(s->'le') WITH ORDINALITY AS u(l, ord) WHERE u.l = t.l AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', bad.id)::text; END IF;
      END IF;
      WITH i AS (
        INSERT INTO task_items (id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at)
        SELECT id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at
        FROM json_populate_recordset(NULL::task_items, s->'q') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemExists', bad.id)::text;
      END IF;
    ELSIF json_array_length(s->'le') > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', s->'le'->>0)::text;
    END IF;
    -- Events, in order (their ids follow it).
    IF json_array_length(s->'ev') > 0 THEN
      SELECT e->>'x' AS id, e->>'t' AS type INTO bad FROM json_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = e->>'x') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'event "' || bad.type || '"')::text; END IF;
      INSERT INTO events (execution_id, due_at, body)
      SELECT e->>'x', (e->>'d')::bigint, e->>'b' FROM json_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord) ORDER BY ord;
    END IF;
    -- Cache entries, the last of a key winning.
    IF json_array_length(s->'cp') > 0 THEN
      INSERT INTO cache (key, task, version, outputs, created_at)
      SELECT DISTINCT ON (r.key) r.key, r.task, r.version, r.outputs, r.created_at FROM json_populate_recordset(NULL::cache, s->'cp') WITH ORDINALITY AS r ORDER BY r.key, r.ordinality DESC
      ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at;
    END IF;
    -- Executions the step created are its engine's, at epoch 1.
    IF eng IS NOT NULL AND json_array_length(s->'ce') > 0 THEN
      UPDATE executions SET owner = eng, owner_epoch = 1 WHERE id = ANY (ARRAY(SELECT r.id FROM json_populate_recordset(NULL::executions, s->'ce') AS r));
    END IF;
    RETURN fenced;
  END
  $aloft$;
  `,
  // 6: the step functions take jsonb: parsed once per statement, where a json value was parsed again at each
  // field read (a step's dozen reads of a merged step of a hundred steps cost more than its writes). Their
  // bodies are migration 5's, reading jsonb.
  `
  DROP FUNCTION aloft_commit(json, boolean);
  DROP FUNCTION aloft_apply_step(json, text[]);

  CREATE FUNCTION aloft_apply_step(s jsonb, fenced text[]) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    eng text := s->'f'->>'e';
    fresh text[];
    ids bigint[];
    done bigint[];
    want text[];
    got text[];
    bad record;
    bad_id bigint;
  BEGIN
    -- The fence: every execution the step touches still owned by its engine at the epoch it holds, once per
    -- execution and transaction, locked (FOR NO KEY UPDATE, in id order) until the commit.
    IF eng IS NOT NULL THEN
      fresh := ARRAY(SELECT x->>0 FROM jsonb_array_elements(s->'f'->'x') AS x WHERE NOT ((x->>0) || '|' || (x->>1)) = ANY (fenced));
      IF cardinality(fresh) > 0 THEN
        PERFORM 1 FROM executions WHERE id = ANY (fresh) ORDER BY id FOR NO KEY UPDATE;
        SELECT x->>0 AS id INTO bad FROM jsonb_array_elements(s->'f'->'x') WITH ORDINALITY AS t(x, ord) LEFT JOIN executions e ON e.id = x->>0
          WHERE x->>0 = ANY (fresh) AND (e.id IS NULL OR e.owner IS DISTINCT FROM eng OR e.owner_epoch <> (x->>1)::integer) ORDER BY ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('fenced', bad.id, eng)::text; END IF;
        fenced := fenced || ARRAY(SELECT (x->>0) || '|' || (x->>1) FROM jsonb_array_elements(s->'f'->'x') AS x WHERE x->>0 = ANY (fresh));
      END IF;
    END IF;
    -- Consumed events are pruned; one gone (or given twice) is refused: consumed if its id was handed out.
    IF jsonb_array_length(s->'c') > 0 THEN
      ids := ARRAY(SELECT v::text::bigint FROM jsonb_array_elements(s->'c') AS v);
      WITH d AS (DELETE FROM events WHERE id = ANY (ids) AND consumed = 0 RETURNING id) SELECT array_agg(id) INTO done FROM d;
      IF coalesce(cardinality(done), 0) <> cardinality(ids) THEN
        SELECT t.id INTO bad_id FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(done, '{}'))) OR EXISTS (SELECT 1 FROM unnest(ids) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF EXISTS (SELECT 1 FROM events WHERE id = bad_id)
           OR (bad_id >= 1 AND bad_id <= coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass), 0)) THEN
          RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventConsumed', bad_id)::text;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventMissing', bad_id)::text;
      END IF;
    END IF;
    -- Items whose results the step applies itself: removed only under the lease the result came with.
    IF jsonb_array_length(s->'fi') > 0 THEN
      WITH d AS (DELETE FROM task_items t USING jsonb_array_elements(s->'fi') AS f WHERE t.id = f->>0 AND t.lease_token = f->>1 RETURNING t.id) SELECT array_agg(id) INTO got FROM d;
      IF coalesce(cardinality(got), 0) <> jsonb_array_length(s->'fi') THEN
        SELECT f->>0 AS id INTO bad FROM jsonb_array_elements(s->'fi') WITH ORDINALITY AS t(f, ord)
          WHERE NOT ((f->>0) = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM jsonb_array_elements(s->'fi') WITH ORDINALITY AS u(f, ord) WHERE u.f->>0 = t.f->>0 AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('leaseLost', bad.id)::text;
      END IF;
    END IF;
    -- New executions; a taken id is refused.
    IF jsonb_array_length(s->'ce') > 0 THEN
      want := ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::executions, s->'ce') AS r);
      WITH i AS (
        INSERT INTO executions (id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at)
        SELECT id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at
        FROM jsonb_populate_recordset(NULL::executions, s->'ce') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('duplicateExecution', bad.id)::text;
      END IF;
    END IF;
    -- Changed executions: the full new rows (owner and epoch untouched).
    IF jsonb_array_length(s->'ex') > 0 THEN
      FOR bad IN SELECT * FROM jsonb_populate_recordset(NULL::executions, s->'ex') LOOP
        UPDATE executions SET project = bad.project, domain = bad.domain, workflow = bad.workflow, workflow_name = bad.workflow_name, launch_plan = bad.launch_plan,
          launch_plan_name = bad.launch_plan_name, phase = bad.phase, inputs = bad.inputs, outputs = bad.outputs, error = bad.error, parent_id = bad.parent_id,
          parent_path = bad.parent_path, options = bad.options, created_at = bad.created_at, started_at = bad.started_at, ended_at = bad.ended_at, updated_at = bad.updated_at
        WHERE id = bad.id;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'changed by the step')::text; END IF;
      END LOOP;
    END IF;
    -- Nodes: one row per node, the last write of a node in the step winning (a map's without its inputs).
    IF jsonb_array_length(s->'n') > 0 THEN
      SELECT n->>'execution_id' AS id, n->>'path' AS path INTO bad FROM jsonb_array_elements(s->'n') WITH ORDINALITY AS t(n, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = n->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      INSERT INTO nodes (execution_id, path, entity, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data)
      SELECT DISTINCT ON (r.execution_id, r.path) r.execution_id, r.path, r.entity, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error, r.started_at, r.ended_at, r.updated_at, r.data
      FROM jsonb_populate_recordset(NULL::nodes, s->'n') WITH ORDINALITY AS r ORDER BY r.execution_id, r.path, r.ordinality DESC
      ON CONFLICT (execution_id, path) DO UPDATE SET entity = excluded.entity, phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, data = excluded.data;
    END IF;
    -- A map's inputs (the whole list it maps), written the first time only: they never change.
    IF jsonb_array_length(s->'mi') > 0 THEN
      INSERT INTO map_inputs (execution_id, path, inputs) SELECT m->>0, m->>1, m->>2 FROM jsonb_array_elements(s->'mi') AS m ON CONFLICT (execution_id, path) DO NOTHING;
    END IF;
    -- Map elements, each of a map whose row is stored (or written above): one row per element, the last write winning.
    IF jsonb_array_length(s->'me') > 0 THEN
      SELECT r.execution_id AS id, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = r.execution_id) ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      SELECT r.execution_id AS id, r.map_path AS map, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE execution_id = r.execution_id AND path = r.map_path AND data::json->>'kind' = 'array') ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('mapMissing', bad.id, bad.path, bad.map)::text; END IF;
      INSERT INTO map_elements (execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks)
      SELECT DISTINCT ON (r.execution_id, r.map_path, r.idx) r.execution_id, r.map_path, r.idx, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error,
        r.started_at, r.ended_at, r.updated_at, r.marks
      FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r ORDER BY r.execution_id, r.map_path, r.idx, r.ordinality DESC
      ON CONFLICT (execution_id, map_path, idx) DO UPDATE SET phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, marks = excluded.marks;
    END IF;
    -- Withdrawn tasks.
    IF jsonb_array_length(s->'ct') > 0 THEN
      DELETE FROM task_items t USING jsonb_array_elements(s->'ct') AS c WHERE t.execution_id = c->>0 AND t.path = c->>1;
    END IF;
    -- Queued tasks; an item already queued (or twice in the step) is refused.
    IF jsonb_array_length(s->'q') > 0 THEN
      SELECT q->>'execution_id' AS id, q->>'id' AS item INTO bad FROM jsonb_array_elements(s->'q') WITH ORDINALITY AS t(q, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = q->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'task item "' || bad.item || '"')::text; END IF;
      want := ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::task_items, s->'q') AS r);
      -- Leases given in the step (their columns come with the items): each on an item the step enqueues, once.
      IF jsonb_array_length(s->'le') > 0 THEN
        SELECT l AS id INTO bad FROM jsonb_array_elements_text(s->'le') WITH ORDINALITY AS t(l, ord)
          WHERE NOT (l = ANY (want)) OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(s->'le') WITH ORDINALITY AS u(l, ord) WHERE u.l = t.l AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', bad.id)::text; END IF;
      END IF;
      WITH i AS (
        INSERT INTO task_items (id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at)
        SELECT id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at
        FROM jsonb_populate_recordset(NULL::task_items, s->'q') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemExists', bad.id)::text;
      END IF;
    ELSIF jsonb_array_length(s->'le') > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', s->'le'->>0)::text;
    END IF;
    -- Events, in order (their ids follow it).
    IF jsonb_array_length(s->'ev') > 0 THEN
      SELECT e->>'x' AS id, e->>'t' AS type INTO bad FROM jsonb_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = e->>'x') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'event "' || bad.type || '"')::text; END IF;
      INSERT INTO events (execution_id, due_at, body)
      SELECT e->>'x', (e->>'d')::bigint, e->>'b' FROM jsonb_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord) ORDER BY ord;
    END IF;
    -- Cache entries, the last of a key winning.
    IF jsonb_array_length(s->'cp') > 0 THEN
      INSERT INTO cache (key, task, version, outputs, created_at)
      SELECT DISTINCT ON (r.key) r.key, r.task, r.version, r.outputs, r.created_at FROM jsonb_populate_recordset(NULL::cache, s->'cp') WITH ORDINALITY AS r ORDER BY r.key, r.ordinality DESC
      ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at;
    END IF;
    -- Executions the step created are its engine's, at epoch 1.
    IF eng IS NOT NULL AND jsonb_array_length(s->'ce') > 0 THEN
      UPDATE executions SET owner = eng, owner_epoch = 1 WHERE id = ANY (ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::executions, s->'ce') AS r));
    END IF;
    RETURN fenced;
  END
  $aloft$;

  CREATE FUNCTION aloft_commit(groups jsonb, whole boolean) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    g jsonb;
    s jsonb;
    fenced text[] := '{}';
    mine text[];
    results text[] := '{}';
  BEGIN
    FOR g IN SELECT value FROM jsonb_array_elements(groups) LOOP
      IF whole THEN
        FOR s IN SELECT value FROM jsonb_array_elements(g->'s') LOOP
          fenced := aloft_apply_step(s, fenced);
        END LOOP;
        PERFORM pg_notify(c, '') FROM jsonb_array_elements_text(g->'n') AS c;
        results := results || NULL::text;
      ELSE
        -- A group of its own: a refusal rolls back its writes, its notifications and the locks it took.
        mine := fenced;
        BEGIN
          FOR s IN SELECT value FROM jsonb_array_elements(g->'s') LOOP
            mine := aloft_apply_step(s, mine);
          END LOOP;
          PERFORM pg_notify(c, '') FROM jsonb_array_elements_text(g->'n') AS c;
          fenced := mine;
          results := results || NULL::text;
        EXCEPTION WHEN SQLSTATE 'AL001' THEN
          results := results || SQLERRM;
        END;
      END IF;
    END LOOP;
    RETURN results;
  END
  $aloft$;
  `,
  // 7: whether a leased item's attempt started (1) or waits in its worker, claimed ahead of a free slot (0): a
  // lease that runs out before the attempt started gives the item back counting no system attempt. The step
  // function is migration 6's, writing the column a step's leases give.
  `
  ALTER TABLE task_items ADD COLUMN started integer NOT NULL DEFAULT 1;

  CREATE OR REPLACE FUNCTION aloft_apply_step(s jsonb, fenced text[]) RETURNS text[] LANGUAGE plpgsql AS $aloft$
  DECLARE
    eng text := s->'f'->>'e';
    fresh text[];
    ids bigint[];
    done bigint[];
    want text[];
    got text[];
    bad record;
    bad_id bigint;
  BEGIN
    -- The fence: every execution the step touches still owned by its engine at the epoch it holds, once per
    -- execution and transaction, locked (FOR NO KEY UPDATE, in id order) until the commit.
    IF eng IS NOT NULL THEN
      fresh := ARRAY(SELECT x->>0 FROM jsonb_array_elements(s->'f'->'x') AS x WHERE NOT ((x->>0) || '|' || (x->>1)) = ANY (fenced));
      IF cardinality(fresh) > 0 THEN
        PERFORM 1 FROM executions WHERE id = ANY (fresh) ORDER BY id FOR NO KEY UPDATE;
        SELECT x->>0 AS id INTO bad FROM jsonb_array_elements(s->'f'->'x') WITH ORDINALITY AS t(x, ord) LEFT JOIN executions e ON e.id = x->>0
          WHERE x->>0 = ANY (fresh) AND (e.id IS NULL OR e.owner IS DISTINCT FROM eng OR e.owner_epoch <> (x->>1)::integer) ORDER BY ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('fenced', bad.id, eng)::text; END IF;
        fenced := fenced || ARRAY(SELECT (x->>0) || '|' || (x->>1) FROM jsonb_array_elements(s->'f'->'x') AS x WHERE x->>0 = ANY (fresh));
      END IF;
    END IF;
    -- Consumed events are pruned; one gone (or given twice) is refused: consumed if its id was handed out.
    IF jsonb_array_length(s->'c') > 0 THEN
      ids := ARRAY(SELECT v::text::bigint FROM jsonb_array_elements(s->'c') AS v);
      WITH d AS (DELETE FROM events WHERE id = ANY (ids) AND consumed = 0 RETURNING id) SELECT array_agg(id) INTO done FROM d;
      IF coalesce(cardinality(done), 0) <> cardinality(ids) THEN
        SELECT t.id INTO bad_id FROM unnest(ids) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(done, '{}'))) OR EXISTS (SELECT 1 FROM unnest(ids) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF EXISTS (SELECT 1 FROM events WHERE id = bad_id)
           OR (bad_id >= 1 AND bad_id <= coalesce(pg_sequence_last_value(pg_get_serial_sequence('events', 'id')::regclass), 0)) THEN
          RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventConsumed', bad_id)::text;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('eventMissing', bad_id)::text;
      END IF;
    END IF;
    -- Items whose results the step applies itself: removed only under the lease the result came with.
    IF jsonb_array_length(s->'fi') > 0 THEN
      WITH d AS (DELETE FROM task_items t USING jsonb_array_elements(s->'fi') AS f WHERE t.id = f->>0 AND t.lease_token = f->>1 RETURNING t.id) SELECT array_agg(id) INTO got FROM d;
      IF coalesce(cardinality(got), 0) <> jsonb_array_length(s->'fi') THEN
        SELECT f->>0 AS id INTO bad FROM jsonb_array_elements(s->'fi') WITH ORDINALITY AS t(f, ord)
          WHERE NOT ((f->>0) = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM jsonb_array_elements(s->'fi') WITH ORDINALITY AS u(f, ord) WHERE u.f->>0 = t.f->>0 AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('leaseLost', bad.id)::text;
      END IF;
    END IF;
    -- New executions; a taken id is refused.
    IF jsonb_array_length(s->'ce') > 0 THEN
      want := ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::executions, s->'ce') AS r);
      WITH i AS (
        INSERT INTO executions (id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at)
        SELECT id, project, domain, workflow, workflow_name, launch_plan, launch_plan_name, phase, inputs, outputs, error, parent_id, parent_path, options, created_at, started_at, ended_at, updated_at
        FROM jsonb_populate_recordset(NULL::executions, s->'ce') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('duplicateExecution', bad.id)::text;
      END IF;
    END IF;
    -- Changed executions: the full new rows (owner and epoch untouched).
    IF jsonb_array_length(s->'ex') > 0 THEN
      FOR bad IN SELECT * FROM jsonb_populate_recordset(NULL::executions, s->'ex') LOOP
        UPDATE executions SET project = bad.project, domain = bad.domain, workflow = bad.workflow, workflow_name = bad.workflow_name, launch_plan = bad.launch_plan,
          launch_plan_name = bad.launch_plan_name, phase = bad.phase, inputs = bad.inputs, outputs = bad.outputs, error = bad.error, parent_id = bad.parent_id,
          parent_path = bad.parent_path, options = bad.options, created_at = bad.created_at, started_at = bad.started_at, ended_at = bad.ended_at, updated_at = bad.updated_at
        WHERE id = bad.id;
        IF NOT FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'changed by the step')::text; END IF;
      END LOOP;
    END IF;
    -- Nodes: one row per node, the last write of a node in the step winning (a map's without its inputs).
    IF jsonb_array_length(s->'n') > 0 THEN
      SELECT n->>'execution_id' AS id, n->>'path' AS path INTO bad FROM jsonb_array_elements(s->'n') WITH ORDINALITY AS t(n, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = n->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      INSERT INTO nodes (execution_id, path, entity, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, data)
      SELECT DISTINCT ON (r.execution_id, r.path) r.execution_id, r.path, r.entity, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error, r.started_at, r.ended_at, r.updated_at, r.data
      FROM jsonb_populate_recordset(NULL::nodes, s->'n') WITH ORDINALITY AS r ORDER BY r.execution_id, r.path, r.ordinality DESC
      ON CONFLICT (execution_id, path) DO UPDATE SET entity = excluded.entity, phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, data = excluded.data;
    END IF;
    -- A map's inputs (the whole list it maps), written the first time only: they never change.
    IF jsonb_array_length(s->'mi') > 0 THEN
      INSERT INTO map_inputs (execution_id, path, inputs) SELECT m->>0, m->>1, m->>2 FROM jsonb_array_elements(s->'mi') AS m ON CONFLICT (execution_id, path) DO NOTHING;
    END IF;
    -- Map elements, each of a map whose row is stored (or written above): one row per element, the last write winning.
    IF jsonb_array_length(s->'me') > 0 THEN
      SELECT r.execution_id AS id, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = r.execution_id) ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'node "' || bad.path || '"')::text; END IF;
      SELECT r.execution_id AS id, r.map_path AS map, r.map_path || '[' || r.idx || ']' AS path INTO bad FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r
        WHERE NOT EXISTS (SELECT 1 FROM nodes WHERE execution_id = r.execution_id AND path = r.map_path AND data::json->>'kind' = 'array') ORDER BY r.ordinality LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('mapMissing', bad.id, bad.path, bad.map)::text; END IF;
      INSERT INTO map_elements (execution_id, map_path, idx, phase, attempts, system_attempts, cache_status, inputs, outputs, error, started_at, ended_at, updated_at, marks)
      SELECT DISTINCT ON (r.execution_id, r.map_path, r.idx) r.execution_id, r.map_path, r.idx, r.phase, r.attempts, r.system_attempts, r.cache_status, r.inputs, r.outputs, r.error,
        r.started_at, r.ended_at, r.updated_at, r.marks
      FROM jsonb_populate_recordset(NULL::map_elements, s->'me') WITH ORDINALITY AS r ORDER BY r.execution_id, r.map_path, r.idx, r.ordinality DESC
      ON CONFLICT (execution_id, map_path, idx) DO UPDATE SET phase = excluded.phase, attempts = excluded.attempts, system_attempts = excluded.system_attempts,
        cache_status = excluded.cache_status, inputs = excluded.inputs, outputs = excluded.outputs, error = excluded.error, started_at = excluded.started_at,
        ended_at = excluded.ended_at, updated_at = excluded.updated_at, marks = excluded.marks;
    END IF;
    -- Withdrawn tasks.
    IF jsonb_array_length(s->'ct') > 0 THEN
      DELETE FROM task_items t USING jsonb_array_elements(s->'ct') AS c WHERE t.execution_id = c->>0 AND t.path = c->>1;
    END IF;
    -- Queued tasks; an item already queued (or twice in the step) is refused.
    IF jsonb_array_length(s->'q') > 0 THEN
      SELECT q->>'execution_id' AS id, q->>'id' AS item INTO bad FROM jsonb_array_elements(s->'q') WITH ORDINALITY AS t(q, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = q->>'execution_id') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'task item "' || bad.item || '"')::text; END IF;
      want := ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::task_items, s->'q') AS r);
      -- Leases given in the step (their columns come with the items): each on an item the step enqueues, once.
      IF jsonb_array_length(s->'le') > 0 THEN
        SELECT l AS id INTO bad FROM jsonb_array_elements_text(s->'le') WITH ORDINALITY AS t(l, ord)
          WHERE NOT (l = ANY (want)) OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(s->'le') WITH ORDINALITY AS u(l, ord) WHERE u.l = t.l AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', bad.id)::text; END IF;
      END IF;
      WITH i AS (
        INSERT INTO task_items (id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at, started)
        SELECT id, execution_id, path, attempt, system_attempts, max_system_attempts, task, inputs, options, ready_at, lease_token, lease_owner, lease_expires_at, coalesce(started, 1)
        FROM jsonb_populate_recordset(NULL::task_items, s->'q') ON CONFLICT (id) DO NOTHING RETURNING id)
      SELECT array_agg(id) INTO got FROM i;
      IF coalesce(cardinality(got), 0) <> cardinality(want) THEN
        SELECT t.id AS id INTO bad FROM unnest(want) WITH ORDINALITY AS t(id, ord)
          WHERE NOT (t.id = ANY (coalesce(got, '{}'))) OR EXISTS (SELECT 1 FROM unnest(want) WITH ORDINALITY AS u(id, ord) WHERE u.id = t.id AND u.ord < t.ord)
          ORDER BY t.ord LIMIT 1;
        RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemExists', bad.id)::text;
      END IF;
    ELSIF jsonb_array_length(s->'le') > 0 THEN
      RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('taskItemMissing', s->'le'->>0)::text;
    END IF;
    -- Events, in order (their ids follow it).
    IF jsonb_array_length(s->'ev') > 0 THEN
      SELECT e->>'x' AS id, e->>'t' AS type INTO bad FROM jsonb_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord)
        WHERE NOT EXISTS (SELECT 1 FROM executions WHERE id = e->>'x') ORDER BY ord LIMIT 1;
      IF FOUND THEN RAISE EXCEPTION USING ERRCODE = 'AL001', MESSAGE = json_build_array('executionMissing', bad.id, 'event "' || bad.type || '"')::text; END IF;
      INSERT INTO events (execution_id, due_at, body)
      SELECT e->>'x', (e->>'d')::bigint, e->>'b' FROM jsonb_array_elements(s->'ev') WITH ORDINALITY AS t(e, ord) ORDER BY ord;
    END IF;
    -- Cache entries, the last of a key winning.
    IF jsonb_array_length(s->'cp') > 0 THEN
      INSERT INTO cache (key, task, version, outputs, created_at)
      SELECT DISTINCT ON (r.key) r.key, r.task, r.version, r.outputs, r.created_at FROM jsonb_populate_recordset(NULL::cache, s->'cp') WITH ORDINALITY AS r ORDER BY r.key, r.ordinality DESC
      ON CONFLICT (key) DO UPDATE SET task = excluded.task, version = excluded.version, outputs = excluded.outputs, created_at = excluded.created_at;
    END IF;
    -- Executions the step created are its engine's, at epoch 1.
    IF eng IS NOT NULL AND jsonb_array_length(s->'ce') > 0 THEN
      UPDATE executions SET owner = eng, owner_epoch = 1 WHERE id = ANY (ARRAY(SELECT r.id FROM jsonb_populate_recordset(NULL::executions, s->'ce') AS r));
    END IF;
    RETURN fenced;
  END
  $aloft$;
  `,
];

/**
 * The schema version this Aloft writes.
 *
 * @example
 * ```ts
 * await pool.query("SELECT MAX(version) AS v FROM schema_version"); // { v: PG_SCHEMA_VERSION }
 * ```
 */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** The advisory lock key migrations take (any fixed number; "aloft" in ASCII). */
const MIGRATION_LOCK = 0x616c6f6674;

/**
 * Brings the connection's schema (its `search_path`) to `PG_SCHEMA_VERSION`,
 * creating it if need be, under a transaction-scoped advisory lock.
 *
 * @example
 * ```ts
 * await migratePostgres(pool); // tables are now at PG_SCHEMA_VERSION
 * ```
 */
export async function migratePostgres(pool: pg.Pool, schema: string | undefined, database = "PostgreSQL"): Promise<void> {
  await transaction(pool, async (q) => {
    await q.run("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    if (schema !== undefined) await q.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await q.run("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)");
    const row = await q.get<{ version: number | null }>("SELECT MAX(version) AS version FROM schema_version");
    const current = row?.version ?? 0;
    if (current > PG_SCHEMA_VERSION) throw new SchemaTooNewError(database, current, PG_SCHEMA_VERSION);
    for (let v = current; v < PG_SCHEMA_VERSION; v++) {
      for (const statement of splitStatements(PG_MIGRATIONS[v] ?? "")) await q.run(statement);
      await q.run("INSERT INTO schema_version (version) VALUES ($1)", [v + 1]);
    }
  });
}

/**
 * A migration's statements (prepared statements take one at a time): split at a `;` ending a line, except
 * inside a dollar-quoted body (`$aloft$ ... $aloft$`, a function's), whose own statements end lines too.
 */
function splitStatements(migration: string): string[] {
  const out: string[] = [];
  let from = 0;
  let quote: string | undefined;
  const token = /\$[A-Za-z_]*\$|;\s*\n/g;
  for (let m = token.exec(migration); m; m = token.exec(migration)) {
    const t = m[0];
    if (t.startsWith("$")) {
      if (quote === undefined) quote = t;
      else if (quote === t) quote = undefined;
    } else if (quote === undefined) {
      out.push(migration.slice(from, m.index));
      from = m.index + t.length;
    }
  }
  out.push(migration.slice(from));
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}
