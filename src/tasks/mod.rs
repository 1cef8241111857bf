//! Tasks, as a domain: the values ([`model`]), the list query and its cursor ([`query`])
//! with the names of its filters and orders ([`order`]),
//! and the [`Tasks`] service with its concurrency rules ([`service`]).

pub mod model;
pub mod order;
pub mod query;
pub mod service;

#[cfg(test)]
mod props;

pub use service::{Page, Tasks};
