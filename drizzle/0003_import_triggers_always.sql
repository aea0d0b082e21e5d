-- The counter triggers of 0001_aggregates.sql fire under session_replication_role = replica too.
-- `npm run import` sets that role (superuser only) for its own transactions to skip the per-row
-- foreign-key triggers, about a third of the database's work per imported row; it locks every parent
-- FOR NO KEY UPDATE and refuses unknown parents itself, so the foreign keys still hold. Ordinary
-- (ENABLE ORIGIN) triggers would be silenced by that role and the counters would drift, so every
-- counter trigger is ENABLE ALWAYS. The import checks pg_trigger and keeps the foreign-key triggers
-- when any user trigger on the tables it writes is not ALWAYS (a database without this migration, or a
-- trigger added later). Logical replication is not used: a subscriber applying these tables would also
-- run the triggers, so there it must not replicate the counter columns as well.
ALTER TABLE projects ENABLE ALWAYS TRIGGER projects_stats_insert;--> statement-breakpoint
ALTER TABLE ground_truth_objects ENABLE ALWAYS TRIGGER ground_truth_insert_aggregates;--> statement-breakpoint
ALTER TABLE ground_truth_objects ENABLE ALWAYS TRIGGER ground_truth_update_aggregates;--> statement-breakpoint
ALTER TABLE ground_truth_objects ENABLE ALWAYS TRIGGER ground_truth_delete_aggregates;--> statement-breakpoint
ALTER TABLE detection_events ENABLE ALWAYS TRIGGER detection_insert_aggregates;--> statement-breakpoint
ALTER TABLE detection_events ENABLE ALWAYS TRIGGER detection_update_aggregates;--> statement-breakpoint
ALTER TABLE detection_events ENABLE ALWAYS TRIGGER detection_delete_aggregates;--> statement-breakpoint
ALTER TABLE videos ENABLE ALWAYS TRIGGER videos_insert_stats;--> statement-breakpoint
ALTER TABLE videos ENABLE ALWAYS TRIGGER videos_update_stats;--> statement-breakpoint
ALTER TABLE videos ENABLE ALWAYS TRIGGER videos_delete_stats;--> statement-breakpoint
ALTER TABLE test_sessions ENABLE ALWAYS TRIGGER test_sessions_insert_stats;--> statement-breakpoint
ALTER TABLE test_sessions ENABLE ALWAYS TRIGGER test_sessions_update_stats;--> statement-breakpoint
ALTER TABLE test_sessions ENABLE ALWAYS TRIGGER test_sessions_delete_stats;
