//! Reliability and security under faults, load and hostile input (issue 7): crashes,
//! database outages, several nodes, hostile clients, secrets in logs, and API fuzzing.

mod node;
mod pg_cluster;

mod crash;
mod fuzz;
mod hostile;
mod nodes;
mod outage;
mod paths;
mod reminder_crash;
mod secrets;
mod slow_clients;
