/**
 * The library schema, as an append-only list: migration N takes a database from user_version N-1 to N. Never edit a
 * released step (users' files already went through it); add the next one instead.
 */
export interface Migration {
  version: number;
  sql: string;
}

/** Written once by migration 1 so a foreign SQLite file is told apart from a library ("RSLB"). */
export const APPLICATION_ID = 0x52534c42;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
      PRAGMA application_id = ${APPLICATION_ID};

      CREATE TABLE transcripts (
        id            TEXT PRIMARY KEY,
        title         TEXT NOT NULL,
        created_at    INTEGER NOT NULL,           -- ms since epoch
        updated_at    INTEGER NOT NULL,
        duration_sec  REAL,
        language      TEXT,
        source_name   TEXT NOT NULL,              -- file name only: safe to show
        source_ref    TEXT,                       -- opaque to the renderer (main stores a path here)
        model         TEXT,
        kv_k          TEXT,
        kv_v          TEXT,
        speed         REAL,                       -- audio seconds per wall-clock second
        flags_count   INTEGER NOT NULL DEFAULT 0, -- segments with at least one flag
        segment_count INTEGER NOT NULL DEFAULT 0,
        deleted_at    INTEGER                     -- soft delete: NULL = live
      ) STRICT;
      CREATE INDEX transcripts_created ON transcripts(created_at);
      CREATE INDEX transcripts_deleted ON transcripts(deleted_at) WHERE deleted_at IS NOT NULL;

      CREATE TABLE segments (
        rowid         INTEGER PRIMARY KEY,        -- FTS5 content rowid
        transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        idx           INTEGER NOT NULL,
        seg_id        TEXT NOT NULL,              -- Segment.id, stable within a transcript
        start_sec     REAL NOT NULL,
        end_sec       REAL NOT NULL,
        text          TEXT NOT NULL,
        speaker       TEXT,
        flags         TEXT,                       -- comma-separated SegmentFlag values, NULL when none
        window_id     TEXT NOT NULL,
        language      TEXT,
        UNIQUE (transcript_id, idx),
        UNIQUE (transcript_id, seg_id)
      ) STRICT;

      -- External-content index over segments.text: the text is stored once; triggers keep the index in step with
      -- every insert, update and delete (including ON DELETE CASCADE from transcripts).
      CREATE VIRTUAL TABLE segments_fts USING fts5(
        text,
        content = 'segments',
        content_rowid = 'rowid',
        tokenize = 'unicode61 remove_diacritics 2',
        prefix = '2 3'
      );
      CREATE TRIGGER segments_ai AFTER INSERT ON segments BEGIN
        INSERT INTO segments_fts(rowid, text) VALUES (new.rowid, new.text);
      END;
      CREATE TRIGGER segments_ad AFTER DELETE ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
      END;
      CREATE TRIGGER segments_au AFTER UPDATE OF text ON segments BEGIN
        INSERT INTO segments_fts(segments_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
        INSERT INTO segments_fts(rowid, text) VALUES (new.rowid, new.text);
      END;

      CREATE TABLE jobs (
        id              TEXT PRIMARY KEY,
        source_path     TEXT NOT NULL,            -- main only
        display_name    TEXT NOT NULL,
        size_bytes      INTEGER,
        state           TEXT NOT NULL CHECK (state IN
                          ('queued', 'probing', 'running', 'paused', 'done', 'failed', 'cancelled')),
        position        INTEGER NOT NULL,
        error_code      TEXT,
        error_message   TEXT,
        error_hint      TEXT,
        windows_done    INTEGER,
        windows_total   INTEGER,
        audio_sec_done  REAL,
        duration_sec    REAL,
        speed           REAL,
        eta_sec         REAL,
        job_dir         TEXT,                     -- checkpoint folder, main only
        transcript_id   TEXT REFERENCES transcripts(id) ON DELETE SET NULL,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX jobs_position ON jobs(position);
      CREATE INDEX jobs_transcript ON jobs(transcript_id);
    `,
  },
  {
    // Re-transcription of part of a transcript: the job decodes `source_path` between the range's bounds and
    // replaces the segments of `target_transcript_id` there. A purged target leaves NULL: the job then fails.
    version: 2,
    sql: `
      ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'file'
        CHECK (kind IN ('file', 'retranscribe'));
      ALTER TABLE jobs ADD COLUMN target_transcript_id TEXT REFERENCES transcripts(id) ON DELETE SET NULL;
      ALTER TABLE jobs ADD COLUMN range_start_sec REAL;
      ALTER TABLE jobs ADD COLUMN range_end_sec REAL
        CHECK (range_end_sec IS NULL OR (range_start_sec IS NOT NULL AND range_end_sec > range_start_sec));
      CREATE INDEX jobs_target ON jobs(target_transcript_id);
    `,
  },
  {
    // A segment flagged only 'retried' no longer asks for a check (common/transcript.ts suspectFlags): transcripts
    // saved before counted it in flags_count, the Library's red badge. A segment's flags are a set, so a segment
    // flagged only 'retried' holds exactly that string.
    version: 3,
    sql: `
      UPDATE transcripts SET flags_count = (
        SELECT count(*) FROM segments s
        WHERE s.transcript_id = transcripts.id AND s.flags IS NOT NULL AND s.flags <> 'retried'
      );
    `,
  },
];

export const LATEST_VERSION = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);
