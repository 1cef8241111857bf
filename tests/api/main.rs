//! Black-box tests: a real Taskward over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod auth;
mod browser;
mod cli;
mod errors;
mod health;
mod store;
mod tokens;
mod web;
