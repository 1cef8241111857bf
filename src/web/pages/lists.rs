//! The lists pages: every list with a form for a new one, a list's settings (rename,
//! colour, archive, share, members, leave) and the delete confirmation. A list's tasks
//! are the tasks page narrowed to it (`/tasks?list=...`), with the lists in its sidebar.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::{Chrome, IdPath as ListPath};
use crate::auth::model::Email;
use crate::error::AppError;
use crate::error::FieldError;
use crate::lists::ListChange;
use crate::lists::model::{List, ListColor, ListName, Member, Role};
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lists", get(lists_page).post(lists_create))
        .route("/lists/{id}", get(list_page).post(list_change))
        .route("/lists/{id}/archive", post(list_archive))
        .route(
            "/lists/{id}/delete",
            get(list_delete_page).post(list_delete),
        )
        .route("/lists/{id}/members", post(member_add))
        .route("/lists/{id}/members/remove", post(member_remove))
}

/// The tasks page of list `id`.
pub fn tasks_of(id: Uuid) -> String {
    format!("/tasks?list={id}")
}

#[derive(Template, WebTemplate)]
#[template(path = "lists.html")]
struct ListsPage {
    chrome: Chrome,
    lists: Vec<List>,
    form: ListForm,
    errors: Errors,
}

/// A list's name and colour, as typed.
#[derive(Deserialize, Default)]
struct ListForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: String,
}

impl ListForm {
    /// The name and colour; no colour when the field is empty.
    fn parse(&self) -> Result<(ListName, Option<ListColor>), Errors> {
        let mut errors = Errors::default();
        let name = ListName::parse(&self.name)
            .map_err(|e| errors.0.push(e))
            .ok();
        let color = match self.color.trim() {
            "" => Some(None),
            raw => ListColor::parse(raw)
                .map(Some)
                .map_err(|e| errors.0.push(e))
                .ok(),
        };
        match (name, color) {
            (Some(n), Some(c)) => Ok((n, c)),
            _ => Err(errors),
        }
    }
}

async fn render_lists(
    state: &AppState,
    signed_in: &SignedIn,
    form: ListForm,
    errors: Errors,
) -> Result<ListsPage, WebError> {
    Ok(ListsPage {
        chrome: Chrome::new(state, &signed_in.visitor, "lists"),
        lists: state.lists.all(signed_in.user.id).await?,
        form,
        errors,
    })
}

async fn lists_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let kept = signed_in.visitor.take_kept(&state, "/lists").await?;
    let (form, errors) = kept
        .and_then(|k| k.of::<ListForm>("list"))
        .unwrap_or_default();
    let page = render_lists(&state, &signed_in, form, errors).await?;
    Ok(page.into_response())
}

async fn lists_create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<ListForm>,
) -> Result<Response, WebError> {
    match form.parse() {
        Ok((name, color)) => {
            let list = state.lists.create(signed_in.user.id, name, color).await?;
            visitor.flash("list-created");
            Ok(see_other(&tasks_of(list.id)))
        }
        Err(errors) => visitor.refuse(&state, "list", "/lists", errors).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "list.html")]
struct ListPage {
    chrome: Chrome,
    list: List,
    members: Vec<Member>,
    /// The caller's own entry's email (to offer "leave").
    me: String,
    form: ListForm,
    errors: Errors,
    share_email: String,
}

async fn render_list_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: Uuid,
    form: Option<ListForm>,
    share_email: String,
    errors: Errors,
) -> Result<ListPage, WebError> {
    let list = state.lists.get(signed_in.user.id, id).await?;
    let members = state.lists.members(signed_in.user.id, id).await?;
    let me = members
        .iter()
        .find(|m| m.user_id == Some(signed_in.user.id))
        .map(|m| m.email.clone())
        .unwrap_or_default();
    let form = form.unwrap_or_else(|| ListForm {
        name: list.name.clone(),
        color: list.color.clone().unwrap_or_default(),
    });
    Ok(ListPage {
        chrome: Chrome::new(state, &signed_in.visitor, "lists"),
        list,
        members,
        me,
        form,
        errors,
        share_email,
    })
}

async fn list_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
) -> Result<Response, WebError> {
    let kept = signed_in
        .visitor
        .take_kept(&state, &format!("/lists/{id}"))
        .await?;
    let (form, share_email, errors) = match kept {
        Some(k) => match (k.of::<ListForm>("list"), k.of::<MemberForm>("share")) {
            (Some((form, errors)), _) => (Some(form), String::new(), errors),
            (_, Some((member, errors))) => (None, member.email, errors),
            _ => (None, String::new(), Errors::default()),
        },
        None => (None, String::new(), Errors::default()),
    };
    let page = render_list_page(&state, &signed_in, id, form, share_email, errors).await?;
    Ok(page.into_response())
}

async fn list_change(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
    CsrfForm { visitor, form }: CsrfForm<ListForm>,
) -> Result<Response, WebError> {
    match form.parse() {
        Ok((name, color)) => {
            let change = ListChange {
                name: Some(name),
                color: Some(color),
                ..ListChange::default()
            };
            state
                .lists
                .change(signed_in.user.id, id, &change, None)
                .await?;
            visitor.flash("list-saved");
            Ok(see_other(&format!("/lists/{id}")))
        }
        Err(errors) => {
            visitor
                .refuse(&state, "list", &format!("/lists/{id}"), errors)
                .await
        }
    }
}

#[derive(Deserialize)]
struct ArchiveForm {
    #[serde(default)]
    archived: String,
}

async fn list_archive(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
    CsrfForm { visitor, form }: CsrfForm<ArchiveForm>,
) -> Result<Response, WebError> {
    // The form says which state it wants, so a double click cannot undo itself.
    let archived = form.archived == "true";
    let change = ListChange {
        archived: Some(archived),
        ..ListChange::default()
    };
    state
        .lists
        .change(signed_in.user.id, id, &change, None)
        .await?;
    visitor.flash(if archived {
        "list-archived"
    } else {
        "list-restored"
    });
    Ok(see_other(&format!("/lists/{id}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "list_delete.html")]
struct DeletePage {
    chrome: Chrome,
    list: List,
}

async fn list_delete_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
) -> Result<Response, WebError> {
    let list = state.lists.get(signed_in.user.id, id).await?;
    if !list.role.can_manage() {
        return Err(WebError(AppError::Forbidden(
            "only the list's owner may delete it".into(),
        )));
    }
    Ok(DeletePage {
        chrome: Chrome::new(&state, &signed_in.visitor, "lists"),
        list,
    }
    .into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn list_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state.lists.delete(signed_in.user.id, id).await?;
    visitor.flash("list-deleted");
    Ok(see_other("/lists"))
}

#[derive(Deserialize)]
struct MemberForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn member_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
    CsrfForm { visitor, form }: CsrfForm<MemberForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    let email = Email::parse(&form.email).map_err(|e| errors.0.push(e)).ok();
    let role = Role::parse_shared(&form.role)
        .map_err(|e| errors.0.push(e))
        .ok();
    let result = match (email, role) {
        (Some(email), Some(role)) => state
            .lists
            .share(signed_in.user.id, id, &email, role)
            .await
            .map(|_| ()),
        _ => Err(AppError::Validation(errors.0)),
    };
    match result {
        Ok(()) => {
            visitor.flash("list-shared");
            Ok(see_other(&format!("/lists/{id}")))
        }
        Err(AppError::Validation(fields)) => {
            // The share form's email field is `share_email` on the page (the settings
            // form has fields of its own).
            let errors = fields
                .into_iter()
                .map(|e| match e.field.as_str() {
                    "email" => FieldError::new("share_email", e.message),
                    _ => e,
                })
                .collect();
            let page = format!("/lists/{id}");
            visitor.refuse(&state, "share", &page, Errors(errors)).await
        }
        Err(other) => Err(WebError(other)),
    }
}

#[derive(Deserialize)]
struct RemoveForm {
    #[serde(default)]
    email: String,
}

async fn member_remove(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ListPath(id): ListPath,
    CsrfForm { visitor, form }: CsrfForm<RemoveForm>,
) -> Result<Response, WebError> {
    let email = Email::parse(&form.email).map_err(|_| WebError(AppError::not_found()))?;
    let list = state.lists.get(signed_in.user.id, id).await?;
    state.lists.unshare(signed_in.user.id, id, &email).await?;
    if list.role.can_manage() {
        visitor.flash("member-removed");
        Ok(see_other(&format!("/lists/{id}")))
    } else {
        visitor.flash("list-left");
        Ok(see_other("/tasks"))
    }
}
