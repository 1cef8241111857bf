//! The quick-add box (`templates/quick_add.html`) at the top of Today, Upcoming and the
//! tasks page: one line of text (docs/quick-add.md) read in the user's zone and lists by
//! the task service, and created as a task. A refusal is kept for the page the box was
//! on (post/redirect/get), which shows the error beside the box and the text as typed.

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::post;
use serde::Deserialize;
use uuid::Uuid;

use super::task_filters::bare_tag;
use super::tasks::{QUICK, list_url};
use crate::error::{AppError, AppResult, FieldError};
use crate::state::AppState;
use crate::tasks::model::{Description, Tags, Task, TaskFields, TaskTitle};
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/tasks/quick", post(quick_add))
}

/// The box's form, as typed.
#[derive(Deserialize)]
struct QuickForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    back: String,
    #[serde(default)]
    list_id: String,
}

fn invalid(e: FieldError) -> AppError {
    AppError::Validation(vec![e])
}

/// Reads `form`'s text as `user_id` means it and creates the task.
async fn create(state: &AppState, user_id: Uuid, form: &QuickForm) -> AppResult<Task> {
    let default_list = match form.list_id.trim() {
        "" => None,
        raw => Some(
            Uuid::parse_str(raw)
                .map_err(|_| invalid(FieldError::new("list_id", "must be one of your lists")))?,
        ),
    };
    let understood = state
        .tasks
        .understand(user_id, &form.text, &state.lists)
        .await?;
    let fields = TaskFields {
        title: TaskTitle::parse(&understood.title).map_err(invalid)?,
        description: Description::default(),
        priority: understood.priority,
        due_at: understood.due_at,
        due_date: understood.due_date,
        tags: Tags::parse(&bare_tags(understood.tags)).map_err(invalid)?,
        recurrence: understood.recurrence,
        reminders: None,
        completed: None,
        list_id: understood.list_id.or(default_list),
        dav: None,
    };
    state.tasks.create(user_id, fields).await
}

/// Tags without the `#` they are typed with (`##urgent` is the tag `urgent`); a tag
/// that was only `#`s is dropped.
fn bare_tags(tags: Vec<String>) -> Vec<String> {
    tags.iter()
        .map(|t| bare_tag(t).to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// The sentence shown beside the box for a refusal.
fn message(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(
            |e| match (e.field.as_str(), e.message.strip_prefix("its title ")) {
                ("text", Some(rest)) => format!("The title {rest}."),
                ("text", None) => format!("The text {}.", e.message),
                (field, _) => Errors(vec![e.clone()])
                    .get(field)
                    .unwrap_or_else(|| e.message.clone()),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

async fn quick_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<QuickForm>,
) -> Result<Response, WebError> {
    let error = match create(&state, signed_in.user.id, &form).await {
        Ok(_) => {
            visitor.flash("task-added");
            return Ok(see_other(&format!("{}{QUICK}", list_url(&form.back))));
        }
        Err(AppError::Validation(errors)) => message(&errors),
        // The page's own list is one the user only views.
        Err(AppError::Forbidden(_)) => {
            "You may view this list but not add to it: name another one with @list.".to_owned()
        }
        Err(e) => return Err(e.into()),
    };
    // The page the box was on shows it again once, with what was typed.
    let mut errors = Errors::default();
    errors.add("text", &error);
    visitor
        .refuse(&state, "quick", &list_url(&form.back), errors)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_read_as_sentences() {
        let text = FieldError::new("text", "must be 1 to 500 characters");
        assert_eq!(message(&[text]), "The text must be 1 to 500 characters.");
        let title = FieldError::new("text", "its title must be at most 200 characters long");
        assert_eq!(
            message(&[title]),
            "The title must be at most 200 characters long."
        );
        let tags = FieldError::new("tags", "must be at most 10");
        assert_eq!(message(&[tags]), "Tags must be at most 10.");
    }
}
