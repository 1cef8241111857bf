//! Tasks: the domain values ([`model`]), the list query and its cursor ([`query`]), and
//! the operations with their concurrency rules ([`service`]).

pub mod model;
pub mod query;
pub mod service;

#[cfg(test)]
mod props;
