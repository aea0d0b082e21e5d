CREATE TYPE "public"."test_session_status" AS ENUM('running', 'completed', 'failed');--> statement-breakpoint
CREATE TYPE "public"."validation_result" AS ENUM('TP', 'FP', 'FN', 'PENDING');--> statement-breakpoint
CREATE TYPE "public"."video_status" AS ENUM('uploaded', 'processing', 'completed', 'failed');--> statement-breakpoint
CREATE TABLE "detection_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"test_session_id" uuid NOT NULL,
	"frame_number" integer NOT NULL,
	"timestamp" double precision NOT NULL,
	"class_label" text NOT NULL,
	"confidence" real NOT NULL,
	"validation_result" "validation_result" DEFAULT 'PENDING' NOT NULL,
	"bounding_box_x" real NOT NULL,
	"bounding_box_y" real NOT NULL,
	"bounding_box_width" real NOT NULL,
	"bounding_box_height" real NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "det_frame_nonneg" CHECK ("detection_events"."frame_number" >= 0),
	CONSTRAINT "det_timestamp_nonneg" CHECK ("detection_events"."timestamp" >= 0),
	CONSTRAINT "det_confidence_range" CHECK ("detection_events"."confidence" between 0 and 1),
	CONSTRAINT "det_size_positive" CHECK ("detection_events"."bounding_box_width" > 0 and "detection_events"."bounding_box_height" > 0),
	CONSTRAINT "det_class_label_length" CHECK (char_length("detection_events"."class_label") between 1 and 128)
);
--> statement-breakpoint
CREATE TABLE "ground_truth_objects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"video_id" uuid NOT NULL,
	"frame_number" integer NOT NULL,
	"timestamp" double precision NOT NULL,
	"class_label" text NOT NULL,
	"confidence" real NOT NULL,
	"x" real NOT NULL,
	"y" real NOT NULL,
	"width" real NOT NULL,
	"height" real NOT NULL,
	"validated" boolean DEFAULT false NOT NULL,
	"difficult" boolean DEFAULT false NOT NULL,
	CONSTRAINT "gto_frame_nonneg" CHECK ("ground_truth_objects"."frame_number" >= 0),
	CONSTRAINT "gto_timestamp_nonneg" CHECK ("ground_truth_objects"."timestamp" >= 0),
	CONSTRAINT "gto_confidence_range" CHECK ("ground_truth_objects"."confidence" between 0 and 1),
	CONSTRAINT "gto_size_positive" CHECK ("ground_truth_objects"."width" > 0 and "ground_truth_objects"."height" > 0),
	CONSTRAINT "gto_class_label_length" CHECK (char_length("ground_truth_objects"."class_label") between 1 and 128)
);
--> statement-breakpoint
CREATE TABLE "project_stats" (
	"project_id" uuid PRIMARY KEY NOT NULL,
	"videos_uploaded" integer DEFAULT 0 NOT NULL,
	"videos_processing" integer DEFAULT 0 NOT NULL,
	"videos_completed" integer DEFAULT 0 NOT NULL,
	"videos_failed" integer DEFAULT 0 NOT NULL,
	"ground_truth_total" integer DEFAULT 0 NOT NULL,
	"ground_truth_validated" integer DEFAULT 0 NOT NULL,
	"sessions_running" integer DEFAULT 0 NOT NULL,
	"sessions_completed" integer DEFAULT 0 NOT NULL,
	"sessions_failed" integer DEFAULT 0 NOT NULL,
	"detections_tp" integer DEFAULT 0 NOT NULL,
	"detections_fp" integer DEFAULT 0 NOT NULL,
	"detections_fn" integer DEFAULT 0 NOT NULL,
	"detections_pending" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_name_length" CHECK (char_length("projects"."name") between 1 and 200)
);
--> statement-breakpoint
CREATE TABLE "test_sessions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"video_id" uuid NOT NULL,
	"status" "test_session_status" DEFAULT 'running' NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	"detections_tp" integer DEFAULT 0 NOT NULL,
	"detections_fp" integer DEFAULT 0 NOT NULL,
	"detections_fn" integer DEFAULT 0 NOT NULL,
	"detections_pending" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "videos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"status" "video_status" DEFAULT 'uploaded' NOT NULL,
	"processing_status" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"duration" double precision,
	"file_size" bigint,
	"ground_truth_generated" boolean DEFAULT false NOT NULL,
	"ground_truth_count" integer DEFAULT 0 NOT NULL,
	"ground_truth_validated" integer DEFAULT 0 NOT NULL,
	"max_confidence" real,
	CONSTRAINT "videos_filename_length" CHECK (char_length("videos"."filename") between 1 and 1024),
	CONSTRAINT "videos_duration_nonneg" CHECK ("videos"."duration" >= 0),
	CONSTRAINT "videos_file_size_nonneg" CHECK ("videos"."file_size" >= 0)
);
--> statement-breakpoint
ALTER TABLE "detection_events" ADD CONSTRAINT "detection_events_test_session_id_test_sessions_id_fk" FOREIGN KEY ("test_session_id") REFERENCES "public"."test_sessions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ground_truth_objects" ADD CONSTRAINT "ground_truth_objects_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "project_stats" ADD CONSTRAINT "project_stats_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_sessions" ADD CONSTRAINT "test_sessions_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "test_sessions" ADD CONSTRAINT "test_sessions_video_id_videos_id_fk" FOREIGN KEY ("video_id") REFERENCES "public"."videos"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "videos" ADD CONSTRAINT "videos_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;
-- Secondary indexes are built CONCURRENTLY, outside the migrator's transaction: see drizzle/concurrent/.
