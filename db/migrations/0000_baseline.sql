CREATE TABLE `admin_users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`login` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`blocked` integer DEFAULT false NOT NULL,
	`session_epoch` integer DEFAULT 0 NOT NULL,
	`last_login_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `admin_users_login_unique` ON `admin_users` (`login`);--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`hits` integer NOT NULL,
	`reset_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `gift_card_redemptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`card_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`sale_id` text NOT NULL,
	`amount_kopecks` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`card_id`) REFERENCES `gift_cards`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "gift_card_redemptions_amount_check" CHECK("gift_card_redemptions"."amount_kopecks" > 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gift_card_redemptions_card_sale_idx` ON `gift_card_redemptions` (`card_id`,`sale_id`);--> statement-breakpoint
CREATE TABLE `gift_cards` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`number` text NOT NULL,
	`initial_kopecks` integer NOT NULL,
	`balance_kopecks` integer NOT NULL,
	`expires_at` integer,
	`blocked` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "gift_cards_balance_check" CHECK("gift_cards"."balance_kopecks" >= 0 AND "gift_cards"."balance_kopecks" <= "gift_cards"."initial_kopecks")
);
--> statement-breakpoint
CREATE UNIQUE INDEX `gift_cards_tenant_number_idx` ON `gift_cards` (`tenant_id`,`number`);--> statement-breakpoint
CREATE TABLE `iframe_sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`employee_id` text NOT NULL,
	`employee_name` text NOT NULL,
	`is_admin` integer NOT NULL,
	`csrf_token` text,
	`notice` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `iframe_sessions_expires_idx` ON `iframe_sessions` (`expires_at`);--> statement-breakpoint
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
CREATE INDEX `txlog_kind_id_idx` ON `transaction_log` (`kind`,`id`);--> statement-breakpoint
CREATE INDEX `txlog_errors_idx` ON `transaction_log` (`id`) WHERE "transaction_log"."ok" = 0;--> statement-breakpoint
CREATE INDEX `txlog_tenant_errors_idx` ON `transaction_log` (`tenant_id`,`id`) WHERE "transaction_log"."ok" = 0;--> statement-breakpoint
CREATE INDEX `txlog_document_idx` ON `transaction_log` (`document_name`);--> statement-breakpoint
CREATE INDEX `txlog_sale_key_idx` ON `transaction_log` (`sale_key`);--> statement-breakpoint
CREATE INDEX `txlog_phone_idx` ON `transaction_log` (`phone_last4`);--> statement-breakpoint
CREATE INDEX `txlog_card_idx` ON `transaction_log` (`card_number`);--> statement-breakpoint
CREATE INDEX `txlog_at_idx` ON `transaction_log` (`at`);--> statement-breakpoint
CREATE TABLE `verification_codes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`phone` text NOT NULL,
	`purpose` text NOT NULL,
	`code_hash` text NOT NULL,
	`salt` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `verification_codes_lookup_idx` ON `verification_codes` (`tenant_id`,`phone`,`purpose`,`created_at`);--> statement-breakpoint
CREATE TABLE `customers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`ms_id` text,
	`sync_id` text,
	`card_number` text,
	`phone` text,
	`email` text,
	`name` text NOT NULL,
	`search_name` text NOT NULL,
	`legal_first_name` text,
	`legal_middle_name` text,
	`legal_last_name` text,
	`birth_date` text,
	`sex` text,
	`balance` integer DEFAULT 0 NOT NULL,
	`welcome_granted` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `customers_tenant_ms_id_uq` ON `customers` (`tenant_id`,`ms_id`);--> statement-breakpoint
CREATE INDEX `customers_tenant_phone_idx` ON `customers` (`tenant_id`,`phone`);--> statement-breakpoint
CREATE INDEX `customers_tenant_card_idx` ON `customers` (`tenant_id`,`card_number`);--> statement-breakpoint
CREATE INDEX `customers_tenant_email_idx` ON `customers` (`tenant_id`,`email`);--> statement-breakpoint
CREATE TABLE `ledger_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`points` integer NOT NULL,
	`kind` text NOT NULL,
	`sale_id` text,
	`return_id` text,
	`available_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `ledger_entries_customer_available_idx` ON `ledger_entries` (`customer_id`,`available_at`);--> statement-breakpoint
CREATE INDEX `ledger_entries_sale_idx` ON `ledger_entries` (`sale_id`);--> statement-breakpoint
CREATE INDEX `ledger_entries_created_idx` ON `ledger_entries` (`created_at`,`kind`,`points`);--> statement-breakpoint
CREATE TABLE `sale_returns` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`return_key` text NOT NULL,
	`ms_id` text,
	`name` text,
	`moment` text,
	`retail_store_id` text,
	`sale_ms_id` text,
	`sale_id` text,
	`customer_id` text,
	`amount_kopecks` integer NOT NULL,
	`cash_kopecks` integer NOT NULL,
	`no_cash_kopecks` integer NOT NULL,
	`earned_taken_back` integer DEFAULT 0 NOT NULL,
	`spent_given_back` integer DEFAULT 0 NOT NULL,
	`uncollected_points` integer DEFAULT 0 NOT NULL,
	`needs_support` integer DEFAULT false NOT NULL,
	`support_reason` text,
	`positions` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`sale_id`) REFERENCES `sales`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sale_returns_tenant_key_uq` ON `sale_returns` (`tenant_id`,`return_key`);--> statement-breakpoint
CREATE INDEX `sale_returns_sale_idx` ON `sale_returns` (`sale_id`);--> statement-breakpoint
CREATE INDEX `sale_returns_support_idx` ON `sale_returns` (`tenant_id`,`needs_support`);--> statement-breakpoint
CREATE TABLE `sales` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`sale_key` text NOT NULL,
	`ms_id` text,
	`name` text,
	`moment` text,
	`retail_store_id` text,
	`customer_id` text,
	`total_kopecks` integer NOT NULL,
	`paid_kopecks` integer NOT NULL,
	`discount_kopecks` integer NOT NULL,
	`cash_kopecks` integer NOT NULL,
	`no_cash_kopecks` integer NOT NULL,
	`gift_card_kopecks` integer NOT NULL,
	`points_spent` integer NOT NULL,
	`points_earned` integer NOT NULL,
	`earn_available_at` integer NOT NULL,
	`returned_kopecks` integer DEFAULT 0 NOT NULL,
	`earned_reversed` integer DEFAULT 0 NOT NULL,
	`spent_reversed` integer DEFAULT 0 NOT NULL,
	`positions` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `sales_tenant_key_uq` ON `sales` (`tenant_id`,`sale_key`);--> statement-breakpoint
CREATE INDEX `sales_tenant_ms_id_idx` ON `sales` (`tenant_id`,`ms_id`);--> statement-breakpoint
CREATE INDEX `sales_customer_idx` ON `sales` (`customer_id`);--> statement-breakpoint
CREATE TABLE `ledger_adjustments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_key` text NOT NULL,
	`tenant_id` text NOT NULL,
	`customer_id` text NOT NULL,
	`entry_id` integer NOT NULL,
	`points` integer NOT NULL,
	`reason` text NOT NULL,
	`admin_login` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`customer_id`) REFERENCES `customers`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`entry_id`) REFERENCES `ledger_entries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_adjustments_request_key_unique` ON `ledger_adjustments` (`request_key`);--> statement-breakpoint
CREATE INDEX `ledger_adjustments_customer_idx` ON `ledger_adjustments` (`customer_id`);--> statement-breakpoint
CREATE INDEX `ledger_adjustments_entry_idx` ON `ledger_adjustments` (`entry_id`);--> statement-breakpoint
CREATE TABLE `loyalty_api_hourly` (
	`hour` integer PRIMARY KEY NOT NULL,
	`calls` integer NOT NULL,
	`errors` integer NOT NULL,
	`p95_ms` integer
);
--> statement-breakpoint
CREATE TABLE `general_holds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hold_id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`point` text NOT NULL,
	`client_id` text NOT NULL,
	`amount` integer NOT NULL,
	`until` integer NOT NULL,
	`status` text NOT NULL,
	`request_id` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `general_holds_client_idx` ON `general_holds` (`tenant_id`,`point`,`client_id`,`status`);--> statement-breakpoint
CREATE TABLE `provider_customers` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_id` text NOT NULL,
	`ms_id` text,
	`phone` text,
	`email` text,
	`card_number` text,
	`name` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `provider_customers_provider_id_uq` ON `provider_customers` (`tenant_id`,`provider`,`provider_id`);--> statement-breakpoint
CREATE INDEX `provider_customers_ms_id_idx` ON `provider_customers` (`tenant_id`,`provider`,`ms_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`kind` text NOT NULL,
	`operation_key` text NOT NULL,
	`sale_key` text,
	`document_name` text,
	`customer_key` text NOT NULL,
	`payload` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`claimed_until` integer,
	`last_error` text,
	`support_reason` text,
	`result` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`delivered_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`account_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_operation_uq` ON `outbox` (`tenant_id`,`kind`,`operation_key`);--> statement-breakpoint
CREATE INDEX `outbox_due_idx` ON `outbox` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE INDEX `outbox_customer_idx` ON `outbox` (`tenant_id`,`customer_key`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_tenant_status_idx` ON `outbox` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `outbox_sale_key_idx` ON `outbox` (`tenant_id`,`sale_key`);