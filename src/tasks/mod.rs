//! Tasks, as a domain: the values ([`model`]), the list query and its cursor ([`query`])
//! with the names of its filters and orders ([`order`]) and its due windows ([`due`]),
//! recurrence rules ([`recurrence`]) and recurring tasks ([`recurring`]), reminders ([`reminders`]), the quick-add
//! parser that reads a line of English into the parts of a task ([`quick_add`]),
//! and the [`Tasks`] service with its concurrency rules ([`service`]), skips and histories
//! included.

pub mod due;
mod history;
pub mod model;
pub mod order;
pub mod page;
pub mod query;
pub mod quick;
pub mod quick_add;
pub mod recurrence;
pub mod recurring;
mod remind;
pub mod reminders;
pub mod service;
pub mod undo;

#[cfg(test)]
mod props;

pub use page::Page;
pub use service::Tasks;
