//! Task supervisors: futures run as supervised, short-lived actors (Elixir's
//! `Task.Supervisor`).
//!
//! Each task is an actor under a [`DynamicSupervisor`](crate::supervisor::DynamicSupervisor),
//! so it has an [`ActorCell`] (it can be linked, monitored, shut down, killed, inspected in a
//! tree snapshot) and a panic in it is an ordinary crash with a reason.
//!
//! - [`TaskSupervisorRef::start_child`]: fire and forget, supervised (temporary by default).
//! - [`TaskSupervisorRef::async_task`]: a [`Task`] whose failure reaches the caller that awaits
//!   it (the await panics with the task's exit reason, crashing an actor caller like a link
//!   would); [`Task::link`] also links it to an actor, and dropping the `Task` kills it.
//! - [`TaskSupervisorRef::async_nolink`]: a [`TaskNoLink`] whose await gives
//!   `Result<T, ExitReason>`: the caller survives the task's failure and gets the reason.
//! - [`TaskSupervisorRef::async_stream`]: a function mapped over items by tasks, at most
//!   `max_concurrency` at once, results in input order or as they complete.
//!
//! ```
//! use arbor::task::{StreamOptions, TaskSupervisorSpec};
//! use futures::StreamExt;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let tasks = TaskSupervisorSpec::new().start().await.unwrap();
//! let sum = tasks.async_task(async { 1 + 1 }).await.unwrap();
//! assert_eq!(sum.await, 2);
//!
//! let failed = tasks.async_nolink(async { panic!("boom") as u32 }).await.unwrap();
//! assert_eq!(failed.await.unwrap_err().to_string(), "panic: boom");
//!
//! let squares: Vec<_> = tasks
//!     .async_stream(1..=4u64, |n| async move { n * n }, StreamOptions::ordered(2))
//!     .map(Result::unwrap)
//!     .collect()
//!     .await;
//! assert_eq!(squares, [1, 4, 9, 16]);
//! # }
//! ```

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use futures::stream::{self, BoxStream, StreamExt};
use parking_lot::Mutex;
use tokio::sync::oneshot;

use crate::CallError;
use crate::actor::{Actor, Handled, Init};
use crate::cell::ActorCell;
use crate::context::Context;
use crate::exit::{ExitReason, ShutdownMode};
use crate::spawn::{Spawn, Started};
use crate::supervisor::{
    ChildCounts, ChildError, ChildInfo, ChildKind, ChildSelector, ChildSpec, DynamicChild,
    DynamicSupervisorRef, DynamicSupervisorSpec, FromChild, Partition, Restart, RunningChild,
    StartChildError, StartError, StartFuture, SupervisorAdmin, SupervisorStart,
};

type Body = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The actor a task runs in: `init` hands over to `handle_continue`, which runs the future
/// and stops normally.
struct TaskActor(Option<Body>);

impl Actor for TaskActor {
    type Args = Body;
    type Call = std::convert::Infallible;
    type Cast = std::convert::Infallible;
    type Info = std::convert::Infallible;
    type Continue = ();

    async fn init(body: Body, _ctx: &mut Context<Self>) -> Init<Self> {
        // The body runs after init, so the starter (the supervisor) is not kept waiting.
        Init::Continue(TaskActor(Some(body)), ())
    }

    async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
        if let Some(body) = self.0.take() {
            body.await;
        }
        Handled::Stop(ExitReason::Normal)
    }

    fn mailbox() -> crate::MailboxConfig {
        // A task receives no messages.
        crate::MailboxConfig::bounded(1)
    }
}

/// A child spec running `body` once (a temporary task).
fn once_spec(body: Body) -> ChildSpec {
    let body = Mutex::new(Some(body));
    ChildSpec::from_fn("task", ChildKind::Worker, move |sup: &ActorCell| {
        let body = body.lock().take();
        let spawn = Spawn::<TaskActor>::new().child_of(sup);
        async move {
            let body =
                body.ok_or_else(|| ExitReason::error("a one-shot task cannot be restarted"))?;
            start_task(spawn, body).await
        }
    })
    .restart(Restart::Temporary)
}

async fn start_task(
    spawn: Spawn<TaskActor>,
    body: Body,
) -> Result<Option<RunningChild>, ExitReason> {
    match spawn.start(body).await? {
        Started::Running(r) => Ok(Some(RunningChild::new(r.cell()))),
        Started::Ignored => Ok(None),
    }
}

/// A task supervisor's flags (those of its dynamic supervisor).
#[derive(Clone, Debug, Default)]
pub struct TaskSupervisorSpec {
    inner: DynamicSupervisorSpec,
}

impl TaskSupervisorSpec {
    /// Default flags, no task limit.
    pub fn new() -> TaskSupervisorSpec {
        TaskSupervisorSpec::default()
    }

    /// At most `max` tasks at once.
    pub fn max_children(mut self, max: usize) -> Self {
        self.inner = self.inner.max_children(max);
        self
    }

    /// Names the supervisor actor.
    pub fn name(mut self, name: impl Into<Arc<str>>) -> Self {
        self.inner = self.inner.name(name);
        self
    }

    /// Starts a standalone task supervisor.
    pub async fn start(&self) -> Result<TaskSupervisorRef, StartError> {
        let sup = self.inner.start().await?;
        Ok(TaskSupervisorRef { sup })
    }
}

impl SupervisorStart for TaskSupervisorSpec {
    fn start_under(&self, parent: Option<&ActorCell>) -> StartFuture {
        self.inner.start_under(parent)
    }
}

impl Partition for TaskSupervisorSpec {
    type Ref = TaskSupervisorRef;
}

/// How [`TaskSupervisorRef::async_stream`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamOptions {
    /// Tasks running at once (at least 1).
    pub max_concurrency: usize,
    /// Results in input order (`true`) or as they complete.
    pub ordered: bool,
}

impl StreamOptions {
    /// Input order, at most `max_concurrency` tasks at once.
    pub fn ordered(max_concurrency: usize) -> StreamOptions {
        StreamOptions {
            max_concurrency: max_concurrency.max(1),
            ordered: true,
        }
    }

    /// Completion order, at most `max_concurrency` tasks at once.
    pub fn unordered(max_concurrency: usize) -> StreamOptions {
        StreamOptions {
            max_concurrency: max_concurrency.max(1),
            ordered: false,
        }
    }
}

impl Default for StreamOptions {
    /// Ordered, one task per available core (Elixir's default).
    fn default() -> Self {
        StreamOptions::ordered(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }
}

/// The handle to a running task supervisor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSupervisorRef {
    sup: DynamicSupervisorRef,
}

impl TaskSupervisorRef {
    /// The supervisor's untyped handle.
    pub fn cell(&self) -> ActorCell {
        self.sup.cell()
    }

    /// The dynamic supervisor the tasks run under.
    pub fn dynamic(&self) -> &DynamicSupervisorRef {
        &self.sup
    }

    /// Runs `fut` as a supervised, temporary task; the caller is not told how it ends.
    pub async fn start_child(
        &self,
        fut: impl Future<Output = ()> + Send + 'static,
    ) -> Result<ActorCell, StartChildError> {
        let child = self.sup.start_child(once_spec(Box::pin(fut))).await?;
        child
            .map(DynamicChild::into_cell)
            .ok_or(StartChildError::Failed(ExitReason::Normal))
    }

    /// Runs a task made by `make` with the given restart type: a transient task is made and
    /// run again after it panics, a permanent one after any exit.
    pub async fn start_child_with<F, Fut>(
        &self,
        restart: Restart,
        make: F,
    ) -> Result<ActorCell, StartChildError>
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let spec = ChildSpec::from_fn("task", ChildKind::Worker, move |sup: &ActorCell| {
            start_task(Spawn::<TaskActor>::new().child_of(sup), Box::pin(make()))
        })
        .restart(restart);
        let child = self.sup.start_child(spec).await?;
        child
            .map(DynamicChild::into_cell)
            .ok_or(StartChildError::Failed(ExitReason::Normal))
    }

    async fn spawn_with_result<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<(ActorCell, oneshot::Receiver<T>), StartChildError> {
        let (tx, rx) = oneshot::channel();
        let cell = self
            .start_child(async move {
                let _ = tx.send(fut.await);
            })
            .await?;
        Ok((cell, rx))
    }

    /// Runs `fut` as a task whose failure reaches the caller that awaits it: awaiting the
    /// [`Task`] panics with the task's exit reason. Dropping the `Task` kills the task.
    pub async fn async_task<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<Task<T>, StartChildError> {
        let (cell, rx) = self.spawn_with_result(fut).await?;
        Ok(Task { cell, rx: Some(rx) })
    }

    /// Runs `fut` as a task the caller survives: awaiting the [`TaskNoLink`] gives the value
    /// or the task's exit reason.
    pub async fn async_nolink<T: Send + 'static>(
        &self,
        fut: impl Future<Output = T> + Send + 'static,
    ) -> Result<TaskNoLink<T>, StartChildError> {
        let (cell, rx) = self.spawn_with_result(fut).await?;
        Ok(TaskNoLink { cell, rx })
    }

    /// Maps `f` over `items`, each call in its own unlinked task, at most
    /// `options.max_concurrency` at once. Each item's result is the value or the task's exit
    /// reason; a task that could not be started gives an `Error` reason.
    pub fn async_stream<I, T, F, Fut>(
        &self,
        items: impl IntoIterator<Item = I, IntoIter: Send + 'static>,
        f: F,
        options: StreamOptions,
    ) -> BoxStream<'static, Result<T, ExitReason>>
    where
        I: Send + 'static,
        T: Send + 'static,
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = T> + Send + 'static,
    {
        let f = Arc::new(f);
        let sup = self.clone();
        let runs = stream::iter(items).map(move |item| {
            let (f, sup) = (f.clone(), sup.clone());
            async move {
                match sup.async_nolink(f(item)).await {
                    Ok(task) => task.await,
                    Err(e) => Err(ExitReason::error(e.to_string())),
                }
            }
        });
        let n = options.max_concurrency.max(1);
        if options.ordered {
            runs.buffered(n).boxed()
        } else {
            runs.buffer_unordered(n).boxed()
        }
    }

    /// Stops the supervisor and its tasks.
    pub async fn shutdown(&self) -> ExitReason {
        self.sup.shutdown().await
    }
}

/// The tasks are the children (those of its dynamic supervisor).
impl SupervisorAdmin for TaskSupervisorRef {
    fn cell(&self) -> ActorCell {
        self.sup.cell()
    }

    fn which_children(&self) -> impl Future<Output = Result<Vec<ChildInfo>, CallError>> + Send {
        self.sup.which_children()
    }

    fn count_children(&self) -> impl Future<Output = Result<ChildCounts, CallError>> + Send {
        self.sup.count_children()
    }

    fn terminate_child(
        &self,
        child: impl Into<ChildSelector>,
    ) -> impl Future<Output = Result<(), ChildError>> + Send {
        self.sup.terminate_child(child.into())
    }
}

impl FromChild for TaskSupervisorRef {
    fn from_child(child: &RunningChild) -> Option<Self> {
        DynamicSupervisorRef::from_child(child).map(|sup| TaskSupervisorRef { sup })
    }
}

/// Waits for a task's value, or for its exit reason if it ended without one.
async fn outcome<T>(cell: &ActorCell, rx: oneshot::Receiver<T>) -> Result<T, ExitReason> {
    match rx.await {
        Ok(value) => Ok(value),
        Err(_) => Err(cell.wait().await),
    }
}

/// A linked task's result (Elixir's `Task` from `async`). Awaiting it gives the value, or
/// panics with the task's exit reason; dropping it kills the task.
pub struct Task<T> {
    cell: ActorCell,
    rx: Option<oneshot::Receiver<T>>,
}

impl<T: Send + 'static> Task<T> {
    /// The task's actor.
    pub fn cell(&self) -> &ActorCell {
        &self.cell
    }

    /// Links the task to `caller`: if the task fails, the caller exits with its reason even
    /// before awaiting (unless it traps exits), and if the caller exits, so does the task.
    pub fn link(self, caller: &ActorCell) -> Self {
        self.cell.link(caller);
        self
    }

    /// The value or the task's exit reason, without panicking.
    pub async fn join(mut self) -> Result<T, ExitReason> {
        let rx = self.rx.take().expect("a Task is awaited once");
        outcome(&self.cell, rx).await
    }
}

impl<T: Send + 'static> IntoFuture for Task<T> {
    type Output = T;
    type IntoFuture = Pin<Box<dyn Future<Output = T> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.join().await {
                Ok(value) => value,
                Err(reason) => panic!("linked task exited: {reason}"),
            }
        })
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // Linked semantics: a caller that stops waiting takes the task down (a no-op once the
        // task has finished).
        self.cell.kill();
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Task").field(&self.cell).finish()
    }
}

/// An unlinked task's result (Elixir's `Task` from `async_nolink`): awaiting it gives the
/// value or the task's exit reason. Dropping it leaves the task running.
pub struct TaskNoLink<T> {
    cell: ActorCell,
    rx: oneshot::Receiver<T>,
}

impl<T: Send + 'static> TaskNoLink<T> {
    /// The task's actor.
    pub fn cell(&self) -> &ActorCell {
        &self.cell
    }

    /// Stops the task (`Task.shutdown`): its value if it had finished, else `None`.
    pub async fn shutdown(mut self, mode: ShutdownMode) -> Option<T> {
        self.cell.shutdown(mode).await;
        self.rx.try_recv().ok()
    }
}

impl<T: Send + 'static> IntoFuture for TaskNoLink<T> {
    type Output = Result<T, ExitReason>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, ExitReason>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move { outcome(&self.cell, self.rx).await })
    }
}

impl<T> fmt::Debug for TaskNoLink<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TaskNoLink").field(&self.cell).finish()
    }
}
