//! Black-box tests: a real Taskward over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod openapi;
mod ops;
mod peer;
mod reliability;

mod architecture;
mod auth;
mod better_auth;
mod browser;
mod cli;
mod clients;
mod errors;
mod external;
mod health;
mod import_better_auth;
mod import_fastapi;
mod import_guards;
mod limits;
mod lists;
mod lists_query;
mod lists_store;
mod metrics;
mod notify_store;
mod receivers;
mod recurrence_oracle;
mod reminders;
mod reminders_delivery;
mod reminders_late;
mod sessionless;
mod sharing;
mod store;
mod tasks;
mod tasks_due;
mod tasks_quick;
mod tasks_recurring;
mod tokens;
mod upgrade;
mod web;
mod web_reminders;
mod web_repeat;
mod web_session;
mod web_today;
mod web_undo;
mod web_undo_done;
