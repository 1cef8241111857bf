//! The tools (API-2.md section 5): each does what the API does, through the same services,
//! so the rules and the messages are the API's. A refused call (not found, invalid
//! fields, a missing scope) is a tool result with `isError` and the problem's words, never a
//! protocol error.

use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};

use super::answer::Json;
use super::auth::{Caller, McpCaller};
use super::wire::{
    AddTask, CompleteTask, Deleted, ListOut, ListTasks, Lists, OneTask, TaskOut, TaskPage, TaskRef,
    UpdateTask, id_of,
};
use crate::error::AppError;
use crate::lists::service::Lists as ListService;
use crate::tasks::model::TaskFields;
use crate::tasks::query::{ListParams, ListQuery};
use crate::tasks::service::Tasks;

/// What a tool answers when refused: the API's words.
type Refusal = String;

fn refuse(e: AppError) -> Refusal {
    match e {
        AppError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        e => e.detail(),
    }
}

/// The caller the layer in front of the transport put in the request.
fn caller(Caller(caller): Caller, write: bool) -> Result<McpCaller, Refusal> {
    let caller = caller.ok_or_else(|| "not signed in".to_owned())?;
    if write && !caller.write {
        return Err(refuse(AppError::InsufficientScope {
            scope: "tasks:write",
        }));
    }
    Ok(caller)
}

/// Taskward's tools for one request (a clone of the ones built at start-up: the router,
/// its tools and their schemas, are shared).
#[derive(Clone)]
pub struct Assistant {
    tasks: Tasks,
    lists: ListService,
    tool_router: Arc<ToolRouter<Self>>,
}

impl Assistant {
    /// The tools over the services.
    pub fn new(tasks: Tasks, lists: ListService) -> Self {
        Self {
            tasks,
            lists,
            tool_router: Arc::new(Self::tool_router()),
        }
    }
}

#[tool_router]
impl Assistant {
    #[tool(
        description = "List the user's tasks (all lists, or one), filtered and sorted as the \
        API's GET /api/tasks: status, tag, q (words), due (overdue, today, upcoming, none), \
        sort, limit, cursor."
    )]
    async fn list_tasks(
        &self,
        who: Caller,
        Parameters(p): Parameters<ListTasks>,
    ) -> Result<Json<TaskPage>, Refusal> {
        let who = caller(who, false)?;
        let params = ListParams {
            list: p.list_id,
            status: p.status,
            tag: p.tag,
            q: p.q,
            due: p.due,
            sort: p.sort,
            limit: p.limit.map(|l| l.to_string()),
            cursor: p.cursor,
            ..ListParams::default()
        };
        let query = ListQuery::from_params(&params).map_err(|e| refuse(AppError::Validation(e)))?;
        let page = self.tasks.list(who.user, &query).await.map_err(refuse)?;
        Ok(Json(TaskPage {
            tasks: page.tasks.into_iter().map(TaskOut::from).collect(),
            total: page.total,
            next_cursor: page.next,
        }))
    }

    #[tool(description = "One task by its id.")]
    async fn get_task(
        &self,
        who: Caller,
        Parameters(p): Parameters<TaskRef>,
    ) -> Result<Json<OneTask>, Refusal> {
        let who = caller(who, false)?;
        let id = id_of("id", &p.id).map_err(refuse)?;
        let task = self.tasks.get(who.user, id).await.map_err(refuse)?;
        Ok(Json(OneTask {
            task: TaskOut::from(task),
        }))
    }

    #[tool(
        description = "Add a task: its fields, or `text` in the quick-add grammar \
        (\"Call mum tomorrow 18:00 #family !high\", \"Pay rent every month on the 1st\")."
    )]
    async fn add_task(
        &self,
        who: Caller,
        Parameters(p): Parameters<AddTask>,
    ) -> Result<Json<OneTask>, Refusal> {
        let who = caller(who, true)?;
        let fields = match p.text.clone() {
            Some(text) => self.understood(who, &text).await?,
            None => p.fields().map_err(refuse)?,
        };
        let task = self.tasks.create(who.user, fields).await.map_err(refuse)?;
        Ok(Json(OneTask {
            task: TaskOut::from(task),
        }))
    }

    #[tool(description = "Change a task's fields; those not given stay.")]
    async fn update_task(
        &self,
        who: Caller,
        Parameters(p): Parameters<UpdateTask>,
    ) -> Result<Json<OneTask>, Refusal> {
        let who = caller(who, true)?;
        let id = id_of("id", &p.id).map_err(refuse)?;
        let patch = p.patch().map_err(refuse)?;
        let task = self
            .tasks
            .patch(who.user, id, patch, None)
            .await
            .map_err(refuse)?;
        Ok(Json(OneTask {
            task: TaskOut::from(task),
        }))
    }

    #[tool(
        description = "Complete a task (or reopen it with completed: false). A recurring \
        task moves on to its next due."
    )]
    async fn complete_task(
        &self,
        who: Caller,
        Parameters(p): Parameters<CompleteTask>,
    ) -> Result<Json<OneTask>, Refusal> {
        let who = caller(who, true)?;
        let id = id_of("id", &p.id).map_err(refuse)?;
        let done = Some(p.completed.unwrap_or(true));
        let task = self
            .tasks
            .complete(who.user, id, done, None)
            .await
            .map_err(refuse)?;
        Ok(Json(OneTask {
            task: TaskOut::from(task),
        }))
    }

    #[tool(description = "Delete a task.")]
    async fn delete_task(
        &self,
        who: Caller,
        Parameters(p): Parameters<TaskRef>,
    ) -> Result<Json<Deleted>, Refusal> {
        let who = caller(who, true)?;
        let id = id_of("id", &p.id).map_err(refuse)?;
        self.tasks
            .delete(who.user, id, None)
            .await
            .map_err(refuse)?;
        Ok(Json(Deleted { deleted: id }))
    }

    #[tool(description = "The user's lists (their own and those shared with them).")]
    async fn list_lists(&self, who: Caller) -> Result<Json<Lists>, Refusal> {
        let who = caller(who, false)?;
        let lists = self.lists.all(who.user).await.map_err(refuse)?;
        Ok(Json(Lists {
            lists: lists.iter().map(ListOut::from).collect(),
        }))
    }
}

impl Assistant {
    /// The fields a line of quick-add text means.
    async fn understood(&self, who: McpCaller, text: &str) -> Result<TaskFields, Refusal> {
        let u = self
            .tasks
            .understand(who.user, text, &self.lists)
            .await
            .map_err(refuse)?;
        let add = AddTask {
            title: Some(u.title),
            priority: Some(u.priority.as_str().to_owned()),
            tags: Some(u.tags),
            list_id: u.list_id.map(|l| l.to_string()),
            ..AddTask::default()
        };
        let mut fields = add.fields().map_err(refuse)?;
        fields.due_at = u.due_at;
        fields.due_date = u.due_date;
        fields.recurrence = u.recurrence;
        Ok(fields)
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Assistant {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("taskward", env!("CARGO_PKG_VERSION")))
    }
}
