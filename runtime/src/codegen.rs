//! Support for generated code: what `arbor-codegen` (and the macros) emit builds on these.
//!
//! - [`Port`]: where a generated client sends, typed by its protocol's messages (the actor
//!   behind it erased), made from a [`Target`] or an [`ActorRef`].
//! - [`Target`]: how a generated client finds its actor: a fixed [`ActorRef`], a supervisor
//!   child that may be restarted, or a registry name. A client whose actor is not running
//!   gets a [`CallError::Exited`] / [`CastError::Exited`](crate::CastError::Exited), never a panic.
//! - [`Directory`]: the names of one running tree's children (a unique [`Registry`] keyed by
//!   the child's path, e.g. `"Providers/StripeSup/limiter"`); every child registers itself
//!   there at each (re)start, so a dependency resolves to the current incarnation, during
//!   start-up as well.
//! - [`Dynamic`]: the typed handle of a dynamic (or partitioned) supervisor whose children all
//!   run one actor: start children, list them, with the generated client type.
//! - [`handled`], [`answer`]: a generated actor's callback as its handler's own future.
//! - [`defer`]: runs a deferred call handler's work on a task supervisor and answers the call
//!   through its [`ReplyTo`] when it is done.
//!
//! Nothing here knows about specs; these are ordinary runtime types that happen to be what
//! generated code needs.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use parking_lot::Mutex;

use crate::CallError;
use crate::actor::{Actor, Handled};
use crate::cell::ActorCell;
use crate::exit::ExitReason;
use crate::handle::ActorRef;
use crate::registry::{Keys, Registry, Via};
use crate::remote::RemoteActor;
use crate::reply::ReplyTo;
use crate::supervisor::{
    ChildCounts, ChildError, ChildRef, ChildSpec, ChildStatus, DynamicSupervisorRef, FromChild,
    RunningChild, StartChildError,
};
use crate::task::TaskSupervisorRef;

pub use crate::port::{Port, PortBinding};

type Lookup<A> = Arc<dyn Fn() -> Option<ActorRef<A>> + Send + Sync>;

/// Where a generated client sends its messages.
pub enum Target<A: Actor> {
    /// This actor (it does not follow restarts).
    Fixed(ActorRef<A>),
    /// Whatever actor the lookup finds at each message (a supervisor child, a registry name).
    Lookup(Lookup<A>),
    /// Nothing: every message fails with [`not_running`]'s reason. The text says why.
    Missing(&'static str),
    /// An actor of another node, reached through a transport. Generated clients of protocols
    /// that cross nodes check [`remote`](Target::remote) first and encode the message; for
    /// every other client (and for [`resolve`](Target::resolve)) it is an actor that does not
    /// run here.
    Remote(Arc<dyn RemoteActor>),
}

impl<A: Actor> Target<A> {
    /// A target resolved by `lookup` at each message.
    pub fn lookup(lookup: impl Fn() -> Option<ActorRef<A>> + Send + Sync + 'static) -> Target<A> {
        Target::Lookup(Arc::new(lookup))
    }

    /// The actor to send to now, or why there is none.
    #[inline]
    pub fn resolve(&self) -> Result<Cow<'_, ActorRef<A>>, ExitReason> {
        match self {
            Target::Fixed(actor) => Ok(Cow::Borrowed(actor)),
            Target::Lookup(lookup) => lookup().map(Cow::Owned).ok_or_else(not_running),
            Target::Missing(why) => Err(ExitReason::error(*why)),
            Target::Remote(_) => Err(ExitReason::error(
                "noproc: the actor runs on another node and this protocol does not cross nodes",
            )),
        }
    }

    /// A target on another node.
    pub fn remote(actor: impl RemoteActor) -> Target<A> {
        Target::Remote(Arc::new(actor))
    }

    /// The actor of another node this target reaches, if it is one.
    #[inline]
    pub fn as_remote(&self) -> Option<&dyn RemoteActor> {
        match self {
            Target::Remote(remote) => Some(&**remote),
            _ => None,
        }
    }

    /// The actor to send to now, if it runs.
    pub fn get(&self) -> Option<ActorRef<A>> {
        self.resolve().ok().map(Cow::into_owned)
    }
}

/// The other end of [`Target::bound_later`]: gives the target its actor once it is known.
pub struct Binding<A: Actor> {
    slot: Arc<std::sync::OnceLock<Target<A>>>,
}

impl<A: Actor> Binding<A> {
    /// Binds the target to `target` (the first binding wins); returns whether this one did.
    pub fn bind(&self, target: impl Into<Target<A>>) -> bool {
        self.slot.set(target.into()).is_ok()
    }
}

impl<A: Actor> fmt::Debug for Binding<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Binding")
            .field("bound", &self.slot.get().is_some())
            .finish()
    }
}

impl<A: Actor> Target<A> {
    /// A target whose actor is given later, through the returned [`Binding`]: what two
    /// systems that reach each other's actors need, since each one's start takes the other's
    /// clients. Until it is bound, a message fails as one to an actor that is not running.
    pub fn bound_later() -> (Target<A>, Binding<A>) {
        let slot: Arc<std::sync::OnceLock<Target<A>>> = Arc::new(std::sync::OnceLock::new());
        let read = slot.clone();
        let target = Target::lookup(move || read.get().and_then(Target::get));
        (target, Binding { slot })
    }
}

/// The reason a message to a target that does not run fails with (OTP's `noproc`).
pub use crate::port::not_running;

impl<A: Actor> Clone for Target<A> {
    fn clone(&self) -> Self {
        match self {
            Target::Fixed(a) => Target::Fixed(a.clone()),
            Target::Lookup(l) => Target::Lookup(l.clone()),
            Target::Missing(why) => Target::Missing(why),
            Target::Remote(r) => Target::Remote(r.clone()),
        }
    }
}

impl<A: Actor> fmt::Debug for Target<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Fixed(a) => f.debug_tuple("Fixed").field(a).finish(),
            Target::Lookup(_) => f.write_str("Lookup"),
            Target::Missing(why) => f.debug_tuple("Missing").field(why).finish(),
            Target::Remote(r) => f.debug_tuple("Remote").field(r).finish(),
        }
    }
}

impl<A: Actor> From<ActorRef<A>> for Target<A> {
    fn from(actor: ActorRef<A>) -> Self {
        Target::Fixed(actor)
    }
}

impl<A: Actor> From<ChildRef<ActorRef<A>>> for Target<A> {
    fn from(child: ChildRef<ActorRef<A>>) -> Self {
        Target::lookup(move || child.get())
    }
}

impl<K, V, A> From<Via<K, V, A>> for Target<A>
where
    K: Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    A: Actor,
{
    fn from(via: Via<K, V, A>) -> Self {
        Target::lookup(move || via.get())
    }
}

/// The names of one running tree's children, by path. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Directory {
    names: Registry<Arc<str>>,
}

impl Directory {
    /// An empty directory (starts the registry's monitoring actor).
    pub async fn new() -> Directory {
        Directory {
            names: Registry::with_partitions(Keys::Unique, 1).await,
        }
    }

    /// Wraps `spec` so the child registers under `path` at each (re)start.
    pub fn register(&self, spec: ChildSpec, path: &str) -> ChildSpec {
        self.names.register_child(spec, path.into(), ())
    }

    /// The running child at `path`, if any.
    pub fn cell(&self, path: &str) -> Option<ActorCell> {
        self.names
            .lookup(&Arc::from(path))
            .into_iter()
            .map(|(cell, ())| cell)
            .next()
    }

    /// A target that finds the actor at `path` at each message.
    ///
    /// The incarnation found last is kept and reused while it is alive: a registry lookup
    /// (hashing the path, a lock, a vector of entries) costs as much as the message itself,
    /// and a generated client sends through this on every call and cast. A restart starts a
    /// new actor, and the old one is not alive by then, so the next message looks the path up
    /// again (the registry itself only returns live entries: the answer is the same).
    pub fn target<A: Actor>(&self, path: &str) -> Target<A> {
        Target::lookup(self.cached_lookup(path))
    }

    /// A port to the actor at `path`, found at each message as [`target`](Self::target)
    /// finds it: what a generated client of a single-protocol actor holds. One lookup, typed
    /// by the actor once, instead of a target's lookup inside a port's.
    pub fn port<A, C, S>(&self, path: &str) -> Port<C, S>
    where
        A: Actor,
        A::Call: From<C>,
        A::Cast: From<S>,
        C: 'static,
        S: 'static,
    {
        Port::lookup(self.cached_lookup::<A>(path))
    }

    /// Finds the actor at `path`, keeping the incarnation found last while it is alive (see
    /// [`target`](Self::target)).
    fn cached_lookup<A: Actor>(
        &self,
        path: &str,
    ) -> impl Fn() -> Option<ActorRef<A>> + Send + Sync + 'static {
        let key: Arc<str> = path.into();
        let names = self.names.clone();
        let last: Mutex<Option<ActorRef<A>>> = Mutex::new(None);
        move || {
            let mut last = last.lock();
            if let Some(actor) = last.as_ref().filter(|actor| actor.is_alive()) {
                return Some(actor.clone());
            }
            let found = names.whereis::<A>(&key);
            last.clone_from(&found);
            found
        }
    }

    /// The dynamic supervisor at `path`, if it runs.
    pub fn dynamic(&self, path: &str) -> Option<DynamicSupervisorRef> {
        let cell = self.cell(path)?;
        DynamicSupervisorRef::from_child(&RunningChild::new(cell))
    }

    /// The task supervisor at `path`, if it runs.
    pub fn tasks(&self, path: &str) -> Option<TaskSupervisorRef> {
        let cell = self.cell(path)?;
        TaskSupervisorRef::from_child(&RunningChild::new(cell))
    }
}

/// Where an actor's deferred handlers run: the task supervisor at a path of its tree, or none
/// (the work then runs in a plain tokio task).
#[derive(Clone, Debug)]
pub struct Tasks {
    at: Option<(Directory, Arc<str>)>,
}

impl Tasks {
    /// The task supervisor at `path` in `directory`.
    pub fn at(directory: &Directory, path: &str) -> Tasks {
        Tasks {
            at: Some((directory.clone(), path.into())),
        }
    }

    /// No task supervisor.
    pub fn none() -> Tasks {
        Tasks { at: None }
    }

    /// The task supervisor, if one is configured and runs.
    pub fn get(&self) -> Option<TaskSupervisorRef> {
        self.at.as_ref().and_then(|(dir, path)| dir.tasks(path))
    }
}

/// Runs a deferred call's `work` as a supervised task (on `tasks`, if it runs) and answers
/// the call through `reply_to` when the work is done; returns as soon as the task started,
/// so the actor goes on serving. If the work panics, the task crashes with the panic and the
/// caller gets [`CallError::NoReply`] at once; a caller that gave up never sees the answer.
pub async fn defer<T: Send + 'static>(
    tasks: Option<TaskSupervisorRef>,
    reply_to: ReplyTo<T>,
    work: impl Future<Output = T> + Send + 'static,
) {
    let job = async move {
        // The work runs in its own tokio task so that a panic in it is seen here and the
        // reply channel is dropped outside the unwinding (the caller gets `NoReply` at once).
        let mut work = AbortOnDrop(tokio::spawn(work));
        match (&mut work.0).await {
            Ok(value) => {
                let _ = reply_to.send(value);
            }
            Err(e) => {
                drop(reply_to);
                if let Ok(panic) = e.try_into_panic() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
    };
    match tasks {
        Some(tasks) if tasks.cell().is_alive() => {
            if let Err(e) = tasks.start_child(job).await {
                tracing::warn!(error = %e, "deferred call: the task supervisor refused the task");
            }
        }
        _ => {
            tokio::spawn(job);
        }
    }
}

pin_project_lite::pin_project! {
    /// A cast or info callback of a generated actor: its handler's future, then
    /// [`Handled::Continue`] (a stop the handler asked for is read through
    /// [`Actor::take_stop`]). What [`handled`] returns.
    pub struct Handle<A, F> {
        #[pin]
        work: F,
        _actor: PhantomData<fn() -> A>,
    }
}

/// The callback of actor `A` that runs `work` (a cast or info handler's future): no `async`
/// block per handler in generated code, one small future type compiled per handler instead.
#[inline]
pub fn handled<A: Actor, F: Future<Output = ()>>(work: F) -> Handle<A, F> {
    Handle {
        work,
        _actor: PhantomData,
    }
}

impl<A: Actor, F: Future<Output = ()>> Future for Handle<A, F> {
    type Output = Handled<A>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Handled<A>> {
        self.project().work.poll(cx).map(|()| Handled::Continue)
    }
}

pin_project_lite::pin_project! {
    /// A call callback of a generated actor: its handler's future, whose value answers the
    /// call, then [`Handled::Continue`] (see [`Handle`]). What [`answer`] returns.
    pub struct Answer<A, F, T> {
        #[pin]
        work: F,
        reply_to: Option<ReplyTo<T>>,
        _actor: PhantomData<fn() -> A>,
    }
}

/// The callback of actor `A` that runs `work` (a call handler's future) and sends its value
/// to `reply_to` (a caller that gave up does not see it).
#[inline]
pub fn answer<A: Actor, F: Future<Output = T>, T>(
    work: F,
    reply_to: ReplyTo<T>,
) -> Answer<A, F, T> {
    Answer {
        work,
        reply_to: Some(reply_to),
        _actor: PhantomData,
    }
}

impl<A: Actor, F: Future<Output = T>, T> Future for Answer<A, F, T> {
    type Output = Handled<A>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Handled<A>> {
        let this = self.project();
        let reply = std::task::ready!(this.work.poll(cx));
        if let Some(reply_to) = this.reply_to.take() {
            let _ = reply_to.send(reply);
        }
        Poll::Ready(Handled::Continue)
    }
}

/// Aborts the task when dropped (a task supervisor that kills the deferred task kills the work).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

type Finder = Arc<dyn Fn(usize) -> Option<DynamicSupervisorRef> + Send + Sync>;
type Maker<U> = Arc<dyn Fn(U) -> ChildSpec + Send + Sync>;

/// The typed handle of a dynamic supervisor (or of the partitions of a partition supervisor)
/// whose children run actor `A`, started from user arguments `U`; `C` is the client type its
/// methods return (a generated client, or a cast-only one).
pub struct Dynamic<A: Actor, U, C> {
    find: Finder,
    partitions: usize,
    make: Maker<U>,
    next: Arc<AtomicUsize>,
    _types: PhantomData<fn() -> (A, C)>,
}

impl<A: Actor, U, C> Clone for Dynamic<A, U, C> {
    fn clone(&self) -> Self {
        Dynamic {
            find: self.find.clone(),
            partitions: self.partitions,
            make: self.make.clone(),
            next: self.next.clone(),
            _types: PhantomData,
        }
    }
}

impl<A: Actor, U, C> fmt::Debug for Dynamic<A, U, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dynamic")
            .field("actor", &std::any::type_name::<A>())
            .field("partitions", &self.partitions)
            .finish()
    }
}

impl<A, U, C> Dynamic<A, U, C>
where
    A: Actor,
    U: 'static,
    C: From<Target<A>>,
{
    /// A handle over `partitions` dynamic supervisors (1 when not partitioned) found by
    /// `find(i)`, starting children from the specs `make` builds.
    pub fn new(
        partitions: usize,
        find: impl Fn(usize) -> Option<DynamicSupervisorRef> + Send + Sync + 'static,
        make: impl Fn(U) -> ChildSpec + Send + Sync + 'static,
    ) -> Self {
        Dynamic {
            find: Arc::new(find),
            partitions: partitions.max(1),
            make: Arc::new(make),
            next: Arc::new(AtomicUsize::new(0)),
            _types: PhantomData,
        }
    }

    /// The same handle returning another client type (e.g. a cast-only one).
    pub fn with_client<D: From<Target<A>>>(&self) -> Dynamic<A, U, D> {
        Dynamic {
            find: self.find.clone(),
            partitions: self.partitions,
            make: self.make.clone(),
            next: self.next.clone(),
            _types: PhantomData,
        }
    }

    /// The number of partitions (1 when not partitioned).
    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// The supervisor of partition `i` (`0` when not partitioned), if it runs.
    pub fn supervisor(&self, i: usize) -> Option<DynamicSupervisorRef> {
        (self.find)(i)
    }

    fn pick(&self) -> usize {
        self.next.fetch_add(1, Ordering::Relaxed) % self.partitions
    }

    fn partition_of<K: Hash + ?Sized>(&self, key: &K) -> usize {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        (hasher.finish() % self.partitions as u64) as usize
    }

    async fn start_in(&self, partition: usize, spec: ChildSpec) -> Result<C, StartChildError> {
        let sup = (self.find)(partition)
            .ok_or_else(|| StartChildError::Supervisor(CallError::Exited(not_running())))?;
        match sup.start_child(spec).await? {
            Some(child) => match child.downcast::<A>() {
                Some(actor) => Ok(C::from(Target::Fixed(actor))),
                None => Err(StartChildError::Failed(ExitReason::error(
                    "the started child is not of the expected actor type",
                ))),
            },
            None => Err(StartChildError::Failed(ExitReason::Normal)),
        }
    }

    /// Starts a child with `args` (in the next partition, round robin) and returns its client.
    /// The client is bound to this incarnation: after a restart, find the child again (through
    /// a registry: see [`start_registered`](Self::start_registered)).
    pub async fn start_child(&self, args: U) -> Result<C, StartChildError> {
        self.start_in(self.pick(), (self.make)(args)).await
    }

    /// Starts a child in the partition `key` routes to.
    pub async fn start_child_keyed<K: Hash + ?Sized>(
        &self,
        key: &K,
        args: U,
    ) -> Result<C, StartChildError> {
        self.start_in(self.partition_of(key), (self.make)(args))
            .await
    }

    /// Starts a child registered in `registry` under `key` (with `value`) at each (re)start,
    /// and returns a client that finds it there: it follows restarts. Fails if the key is
    /// taken in a unique registry.
    pub async fn start_registered<K, V>(
        &self,
        registry: &Registry<K, V>,
        key: K,
        value: V,
        args: U,
    ) -> Result<C, StartChildError>
    where
        K: Hash + Eq + Clone + Send + Sync + 'static,
        V: Clone + Send + Sync + 'static,
    {
        let partition = self.partition_of(&key);
        let spec = registry.register_child((self.make)(args), key.clone(), value);
        self.start_in(partition, spec).await?;
        Ok(C::from(Target::from(registry.via::<A>(key))))
    }

    /// A client for a child found otherwise (e.g. through a registry).
    pub fn client(&self, actor: ActorRef<A>) -> C {
        C::from(Target::Fixed(actor))
    }

    /// Clients of the running children (of every partition).
    pub async fn children(&self) -> Result<Vec<C>, CallError> {
        let mut out = Vec::new();
        for i in 0..self.partitions {
            let sup = (self.find)(i).ok_or_else(|| CallError::Exited(not_running()))?;
            for info in sup.which_children().await? {
                if let ChildStatus::Running(cell) = info.status
                    && let Some(actor) = cell.downcast::<A>()
                {
                    out.push(C::from(Target::Fixed(actor)));
                }
            }
        }
        Ok(out)
    }

    /// Counts of children (summed over the partitions).
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        let mut total = ChildCounts::default();
        for i in 0..self.partitions {
            let sup = (self.find)(i).ok_or_else(|| CallError::Exited(not_running()))?;
            let c = sup.count_children().await?;
            total.specs += c.specs;
            total.active += c.active;
            total.supervisors += c.supervisors;
            total.workers += c.workers;
        }
        Ok(total)
    }

    /// Stops a child (it is not restarted).
    pub async fn terminate_child(&self, child: &ActorCell) -> Result<(), ChildError> {
        let mut last = ChildError::NotFound;
        for i in 0..self.partitions {
            let Some(sup) = (self.find)(i) else { continue };
            match sup.terminate_child(child).await {
                Ok(()) => return Ok(()),
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

// A generated client's port from what generated code holds (the port itself sits below
// this module: it knows actors and transports, not targets).
impl<A, C, S> From<Target<A>> for Port<C, S>
where
    A: Actor,
    A::Call: From<C>,
    A::Cast: From<S>,
    C: 'static,
    S: 'static,
{
    fn from(target: Target<A>) -> Self {
        match target {
            Target::Fixed(actor) => Port::from(actor),
            Target::Lookup(lookup) => Port::lookup(move || lookup()),
            Target::Missing(why) => Port::missing(why),
            Target::Remote(remote) => Port::remote_shared(remote),
        }
    }
}

impl<A, C, S> From<crate::supervisor::ChildRef<ActorRef<A>>> for Port<C, S>
where
    A: Actor,
    A::Call: From<C>,
    A::Cast: From<S>,
    C: 'static,
    S: 'static,
{
    fn from(child: crate::supervisor::ChildRef<ActorRef<A>>) -> Self {
        Port::from(Target::from(child))
    }
}

impl<K, V, A, C, S> From<crate::registry::Via<K, V, A>> for Port<C, S>
where
    K: std::hash::Hash + Eq + Clone + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
    A: Actor,
    A::Call: From<C>,
    A::Cast: From<S>,
    C: 'static,
    S: 'static,
{
    fn from(via: crate::registry::Via<K, V, A>) -> Self {
        Port::from(Target::from(via))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::time::Duration;

    use super::*;
    use crate::actor::{Handled, Init};
    use crate::context::Context;
    use crate::supervisor::{Strategy, SupervisorSpec};

    struct Worker;

    impl Actor for Worker {
        type Args = ();
        type Call = Infallible;
        type Cast = Infallible;
        type Info = Infallible;
        type Continue = Infallible;

        async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
            Init::Ok(Worker)
        }

        async fn handle_cast(
            &mut self,
            msg: Infallible,
            _ctx: &mut Context<Self>,
        ) -> Handled<Self> {
            match msg {}
        }
    }

    /// Resolves `target` until it gives an actor other than `old` (the restart is
    /// asynchronous), for at most a second.
    async fn next_incarnation(target: &Target<Worker>, old: &ActorRef<Worker>) -> ActorRef<Worker> {
        for _ in 0..1000 {
            if let Some(actor) = target.get().filter(|a| a != old) {
                return actor;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        panic!("the target never found the restarted child");
    }

    #[tokio::test]
    async fn a_directory_target_follows_restarts_and_reports_a_stopped_child() {
        let dir = Directory::new().await;
        let sup = SupervisorSpec::new(Strategy::OneForOne)
            .children([dir.register(ChildSpec::actor::<Worker>("w", ()), "w")])
            .start()
            .await
            .expect("the supervisor starts");
        let target = dir.target::<Worker>("w");
        let first = target.get().expect("the child runs");
        assert_eq!(
            target.get().as_ref(),
            Some(&first),
            "the same incarnation again"
        );

        first.cell().kill();
        let second = next_incarnation(&target, &first).await;
        assert!(second.is_alive());
        assert_eq!(target.get().as_ref(), Some(&second));
        // Another client of the same path agrees.
        assert_eq!(dir.target::<Worker>("w").get().as_ref(), Some(&second));

        sup.shutdown().await;
        assert!(!second.is_alive());
        assert!(target.get().is_none(), "a stopped child is not found");
        assert!(target.resolve().is_err());
    }
}
