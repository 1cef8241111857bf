//! Black-box tests: a real Taskward over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod openapi;
mod reliability;

mod auth;
mod browser;
mod cli;
mod errors;
mod health;
mod store;
mod tasks;
mod tokens;
mod web;
