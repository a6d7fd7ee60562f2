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
CREATE INDEX `verification_codes_lookup_idx` ON `verification_codes` (`tenant_id`,`phone`,`purpose`,`created_at`);