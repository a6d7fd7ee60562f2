CREATE TABLE `customer_import_chunks` (
	`import_id` integer NOT NULL,
	`seq` integer NOT NULL,
	`rows` blob NOT NULL,
	PRIMARY KEY(`import_id`, `seq`),
	FOREIGN KEY (`import_id`) REFERENCES `customer_imports`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `customer_imports` ADD `claim` text;--> statement-breakpoint
ALTER TABLE `customer_imports` ADD `counts` text;--> statement-breakpoint
CREATE INDEX `customer_imports_status_idx` ON `customer_imports` (`status`,`updated_at`);