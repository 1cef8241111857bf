//! `POST /api/tasks/parse`: what a line of quick-add text means, as the body of a new
//! task, changing nothing (API-2.md section 2; the grammar is docs/quick-add.md).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Caller;
use super::wire_when::RecurrenceView;
use crate::api::responses::{Always, Authenticated, ReadsBody};
use crate::api::wire::{Fields, body};
use crate::error::{AppError, AppResult};
use crate::http::ApiJson;
use crate::state::AppState;
use crate::tasks::model::Priority;
use crate::tasks::quick::Understood;
use crate::timestamp::format_day;

body! {
    /// A line of quick-add text.
    pub struct QuickText {
        /// 1 to 500 characters of English: the title with dates, times, recurrences,
        /// `#tags`, `!priority` and `@list` anywhere in it.
        #[schema(required, min_length = 1, max_length = 500,
            example = "Pay rent every month on the 1st 9am #home !high @Bills")]
        text: String,
    }
}

/// The task the text means: a `TaskInput` to send to `POST /api/tasks` as it is or
/// after the user checks it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ParsedTask, example = json!({"title": "Pay rent", "description": "",
    "priority": "high", "due_at": "2027-01-01T08:00:00Z", "due_date": null, "tags": ["home"],
    "recurrence": {"rule": "FREQ=MONTHLY;BYMONTHDAY=1", "from": "due"},
    "list_id": "019ab8d2-7f10-7c3e-b2d4-5a6b7c8d9e0f"}))]
pub struct ParsedTask {
    /// The words that are not part of the grammar.
    title: String,
    /// Always empty: quick add has no description.
    description: String,
    priority: Priority,
    /// A date with a time, in the user's zone; `null` otherwise.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime, required)]
    due_at: Option<OffsetDateTime>,
    /// A date without a time (all day); `null` otherwise.
    #[schema(value_type = Option<String>, format = Date, required)]
    due_date: Option<String>,
    tags: Vec<String>,
    #[schema(nullable, required)]
    recurrence: Option<RecurrenceView>,
    /// The list named by `@name` (one the user may add to, any case); `null` for the
    /// inbox. A name that matches none stays in the title.
    #[schema(value_type = Option<String>, format = Uuid, required)]
    list_id: Option<Uuid>,
}

impl From<Understood> for ParsedTask {
    fn from(u: Understood) -> Self {
        Self {
            title: u.title,
            description: String::new(),
            priority: u.priority,
            due_at: u.due_at,
            due_date: u.due_date.map(format_day),
            tags: u.tags,
            recurrence: u.recurrence.map(RecurrenceView::from),
            list_id: u.list_id,
        }
    }
}

/// Read a line of quick-add text into a task, without creating it.
#[utoipa::path(post, path = "/parse", tag = "tasks", security(("bearer" = [])), request_body = QuickText,
    responses(
        (status = 200, description = "The task the text means", body = ParsedTask),
        Authenticated, ReadsBody, Always,
    ))]
pub(super) async fn tasks_parse(
    State(state): State<AppState>,
    Caller(user): Caller,
    ApiJson(body): ApiJson<QuickText>,
) -> AppResult<Json<ParsedTask>> {
    let mut f = Fields::new();
    let text = f.required("text", body.text, Ok);
    let text = f.finish(text).map_err(AppError::Validation)?;
    let understood = state.tasks.understand(user.id, &text, &state.lists).await?;
    Ok(Json(ParsedTask::from(understood)))
}
