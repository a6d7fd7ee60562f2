ALTER TABLE `transaction_log` ADD `read_bodies` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `receipt_lines` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `receipt_kopecks` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `discount_kopecks` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `balance_before` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `balance_after` integer;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `receipt_text` text;--> statement-breakpoint
ALTER TABLE `transaction_log` ADD `found_count` integer;--> statement-breakpoint
CREATE INDEX `txlog_read_bodies_idx` ON `transaction_log` (`at`) WHERE "transaction_log"."read_bodies" = 1;