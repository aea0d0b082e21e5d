-- Live matches kept before matching read the stored float4 values exactly (as float8) were computed on
-- float4's shortest decimal text (0.3 instead of the stored 0.30000001192…), so an IoU near the
-- threshold or a tie may differ from what on-demand matching now computes. Ending live evaluation of
-- every session makes each answer on demand (exact) until `npm run db:rebuild-evaluations` makes it live
-- again from its stored rows; sessions created from here on are live from their start.
DELETE FROM "live_matches";--> statement-breakpoint
DELETE FROM "live_evaluations";
