//! Types that exist only to describe the API in the OpenAPI document: bodies the task
//! handlers read by hand (to report every invalid field), and the list query.

use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::tasks::model::Priority;

/// The fields of a task, for `POST` and `PUT` (full replacement: omitted optional fields
/// take their defaults). Unknown members are ignored.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TaskInput {
    /// 1 to 200 characters after trimming.
    #[schema(example = "Buy milk", min_length = 1, max_length = 200)]
    title: String,
    /// 0 to 2000 characters.
    #[schema(example = "Two litres, semi-skimmed", max_length = 2000, default = "")]
    description: Option<String>,
    #[schema(default = "medium")]
    priority: Option<Priority>,
    /// RFC 3339; stored in UTC.
    #[schema(value_type = Option<String>, format = DateTime, example = "2026-11-30T17:00:00Z")]
    due_at: Option<String>,
    /// At most 10, each 1 to 32 characters; trimmed, lower-cased, de-duplicated.
    #[schema(example = json!(["home", "errands"]), max_items = 10)]
    tags: Option<Vec<String>>,
    /// Marks the task done (or not) at once.
    completed: Option<bool>,
}

/// A partial change for `PATCH`: any subset of the fields; `null` clears a field
/// (description to "", priority to medium, due date and tags to none).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct TaskChanges {
    #[schema(example = "Buy oat milk", min_length = 1, max_length = 200)]
    title: Option<String>,
    #[schema(max_length = 2000)]
    description: Option<String>,
    priority: Option<Priority>,
    #[schema(value_type = Option<String>, format = DateTime)]
    due_at: Option<String>,
    #[schema(max_items = 10)]
    tags: Option<Vec<String>>,
    completed: Option<bool>,
}

/// Optional body of `PATCH .../complete`: without a body the task is toggled.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct Completion {
    /// Done or not.
    #[schema(example = true)]
    completed: bool,
}

/// Filters, order and paging of the task list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListTasksQuery {
    /// `all` (default), `pending` or `completed`.
    #[param(example = "pending")]
    status: Option<String>,
    /// Only this priority: `low`, `medium` or `high`.
    priority: Option<Priority>,
    /// Only tasks with this tag (case-insensitive).
    #[param(example = "home")]
    tag: Option<String>,
    /// Case-insensitive substring of the title or description; `%` and `_` are literal.
    #[param(example = "milk")]
    q: Option<String>,
    /// Only tasks due before this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    due_before: Option<String>,
    /// Only tasks due after this time (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    due_after: Option<String>,
    /// `created_at`, `updated_at`, `due_at`, `priority` or `title`; a leading `-` sorts
    /// descending. Default `-created_at`; ties by id; tasks without a due date last.
    #[param(example = "-due_at")]
    sort: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    limit: Option<u32>,
    /// Opaque cursor from the `Link: <...>; rel="next"` header of the previous page.
    cursor: Option<String>,
}
