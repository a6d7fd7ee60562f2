CREATE TABLE `jwt_replay` (
	`jti` text PRIMARY KEY NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jwt_replay_expires_idx` ON `jwt_replay` (`expires_at`);--> statement-breakpoint
CREATE TABLE `tenants` (
	`account_id` text PRIMARY KEY NOT NULL,
	`app_id` text NOT NULL,
	`account_name` text NOT NULL,
	`status` text NOT NULL,
	`last_cause` text NOT NULL,
	`subscription` text,
	`access_token_enc` text,
	`loyalty_token_hash` text,
	`loyalty_token_enc` text,
	`pending_loyalty_token_hash` text,
	`pending_loyalty_token_enc` text,
	`backend` text DEFAULT 'ledger' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`provider_secrets_enc` text,
	`external_search` integer DEFAULT false NOT NULL,
	`go_live` text,
	`configured_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_loyalty_token_hash_unique` ON `tenants` (`loyalty_token_hash`);--> statement-breakpoint
CREATE UNIQUE INDEX `tenants_pending_loyalty_token_hash_unique` ON `tenants` (`pending_loyalty_token_hash`);--> statement-breakpoint
CREATE INDEX `tenants_status_idx` ON `tenants` (`status`);--> statement-breakpoint
CREATE TABLE `transaction_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`tenant_id` text,
	`kind` text NOT NULL,
	`endpoint` text NOT NULL,
	`http_status` integer,
	`ok` integer NOT NULL,
	`duration_ms` integer,
	`request_id` text,
	`document_name` text,
	`sale_key` text,
	`customer_id` text,
	`phone_last4` text,
	`card_number` text,
	`points_spent` integer,
	`points_earned` integer,
	`error_message` text,
	`request_body` text,
	`response_body` text
);
--> statement-breakpoint
CREATE INDEX `txlog_tenant_idx` ON `transaction_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `txlog_kind_idx` ON `transaction_log` (`kind`,`endpoint`,`id`);--> statement-breakpoint
CREATE INDEX `txlog_document_idx` ON `transaction_log` (`document_name`);--> statement-breakpoint
CREATE INDEX `txlog_sale_key_idx` ON `transaction_log` (`sale_key`);--> statement-breakpoint
CREATE INDEX `txlog_phone_idx` ON `transaction_log` (`phone_last4`);--> statement-breakpoint
CREATE INDEX `txlog_card_idx` ON `transaction_log` (`card_number`);--> statement-breakpoint
CREATE INDEX `txlog_at_idx` ON `transaction_log` (`at`);