//! The install scheduler's bookkeeping: which modules of a plan may start now.
//!
//! [`DependencyQueue`] owns *when* a node may run and nothing about *how* it
//! runs (that is [`crate::building::exec`]), so it is pure and can be tested by
//! simulation. It follows cargo's `DependencyQueue`: every node keeps the set
//! of dependencies it still waits for; [`DependencyQueue::dequeue`] hands out
//! a ready node, [`DependencyQueue::finish`] releases its dependents.
//!
//! A node starts as soon as its own dependencies are done, not in lock-step
//! waves. When several nodes are ready, the one that the most other nodes are
//! (transitively) waiting for goes first, so the long chains of the reactor
//! start early and the `-j` slots stay busy; ties keep the order the nodes
//! were given, which is Maven's reactor order.

use std::cmp::Reverse;
use std::collections::hash_map::Entry;
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::Hash;

/// Why a [`DependencyQueue`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum QueueError<N: fmt::Debug> {
    /// The nodes depend on each other in a cycle: each one depends on the
    /// next, and the last on the first.
    #[error("the modules to install depend on each other in a cycle: {}", cycle_text(.0))]
    #[diagnostic(
        code(m2fresh::building::plan::cycle),
        help(
            "Maven cannot build a reactor whose modules form a cycle; remove one of the \
             dependencies named above"
        )
    )]
    Cycle(Vec<N>),
}

fn cycle_text<N: fmt::Debug>(cycle: &[N]) -> String {
    let mut text = String::new();
    for node in cycle {
        text.push_str(&format!("{node:?} -> "));
    }
    match cycle.first() {
        Some(first) => text.push_str(&format!("{first:?}")),
        None => text.push_str("(empty)"),
    }
    text
}

/// Where a node is in its life in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Some dependency has not finished yet.
    Waiting,
    /// All dependencies finished; `dequeue` may hand it out.
    Ready,
    /// Handed out by `dequeue`, not yet finished.
    Running,
    /// Finished successfully; its dependents no longer wait for it.
    Finished,
    /// Failed (after `skip_dependents`) or skipped because a dependency failed.
    Removed,
}

/// A work queue over a DAG of nodes: hands out the nodes whose dependencies
/// have all finished, most-waited-for first.
///
/// Nodes are referred to by a small copyable id (a module index, say). The
/// queue is built once from the whole plan, then driven by
/// [`dequeue`](Self::dequeue), [`finish`](Self::finish) and, for a failed
/// node, [`skip_dependents`](Self::skip_dependents).
#[derive(Debug, Clone)]
pub struct DependencyQueue<N: Copy + Eq + Hash + Ord> {
    /// The nodes in the order they were given (the reactor order); every
    /// other table is indexed by position in this list.
    nodes: Vec<N>,
    index: HashMap<N, usize>,
    /// Direct dependencies inside the node set, ascending, without repeats.
    deps: Vec<Vec<usize>>,
    /// Direct dependents, ascending, without repeats.
    dependents: Vec<Vec<usize>>,
    /// How many direct dependencies have not finished yet.
    unfinished: Vec<usize>,
    /// 1 + the number of transitive dependents.
    priority: Vec<usize>,
    state: Vec<State>,
    /// Ready nodes, best first: highest priority, then earliest given.
    ready: BTreeSet<(Reverse<usize>, usize)>,
    /// Nodes still Waiting or Ready.
    queued: usize,
}

impl<N: Copy + Eq + Hash + Ord> DependencyQueue<N> {
    /// Builds the queue from each node with its direct dependencies.
    ///
    /// A dependency that is not itself one of the nodes is ignored: it is not
    /// part of this plan (already installed and fresh). A node given twice
    /// keeps its first position and the union of its dependencies.
    ///
    /// # Errors
    ///
    /// [`QueueError::Cycle`] when the nodes depend on each other in a cycle
    /// (including a node that depends on itself).
    pub fn new(nodes: impl IntoIterator<Item = (N, Vec<N>)>) -> Result<Self, QueueError<N>>
    where
        N: fmt::Debug,
    {
        let mut order: Vec<N> = Vec::new();
        let mut index: HashMap<N, usize> = HashMap::new();
        let mut given: Vec<Vec<N>> = Vec::new();
        for (node, node_deps) in nodes {
            match index.entry(node) {
                Entry::Occupied(slot) => given[*slot.get()].extend(node_deps),
                Entry::Vacant(slot) => {
                    slot.insert(order.len());
                    order.push(node);
                    given.push(node_deps);
                }
            }
        }

        let count = order.len();
        let mut deps: Vec<Vec<usize>> = Vec::with_capacity(count);
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
        for (at, node_deps) in given.iter().enumerate() {
            let mut mine: Vec<usize> = node_deps
                .iter()
                .filter_map(|dep| index.get(dep).copied())
                .collect();
            mine.sort_unstable();
            mine.dedup();
            for &dep in &mine {
                dependents[dep].push(at);
            }
            deps.push(mine);
        }
        // Pushed in ascending order of `at`, so already sorted and unique.

        let unfinished: Vec<usize> = deps.iter().map(Vec::len).collect();
        let topological = topological_order(&dependents, &unfinished).map_err(|stuck| {
            QueueError::Cycle(
                find_cycle(&deps, &stuck)
                    .into_iter()
                    .map(|i| order[i])
                    .collect(),
            )
        })?;
        let priority = priorities(&dependents, &topological);

        let mut state = vec![State::Waiting; count];
        let mut ready = BTreeSet::new();
        for at in 0..count {
            if unfinished[at] == 0 {
                state[at] = State::Ready;
                ready.insert((Reverse(priority[at]), at));
            }
        }

        Ok(DependencyQueue {
            nodes: order,
            index,
            deps,
            dependents,
            unfinished,
            priority,
            state,
            ready,
            queued: count,
        })
    }

    /// Takes the ready node of highest priority (most transitive dependents,
    /// then earliest given) and marks it running.
    ///
    /// `None` when no node is ready right now: either the queue is empty or
    /// every queued node waits for a running one.
    pub fn dequeue(&mut self) -> Option<N> {
        let (_, at) = self.ready.pop_first()?;
        self.state[at] = State::Running;
        self.queued -= 1;
        Some(self.nodes[at])
    }

    /// Marks a running node as successfully done and returns the nodes that
    /// became ready because of it, in the order they were given.
    ///
    /// A node that is not running (never dequeued, already finished or
    /// unknown) is left alone and nothing is returned.
    pub fn finish(&mut self, n: N) -> Vec<N> {
        let Some(at) = self.running(n) else {
            return Vec::new();
        };
        self.state[at] = State::Finished;
        let mut unblocked = Vec::new();
        for &dependent in &self.dependents[at] {
            self.unfinished[dependent] -= 1;
            if self.unfinished[dependent] == 0 && self.state[dependent] == State::Waiting {
                self.state[dependent] = State::Ready;
                self.ready
                    .insert((Reverse(self.priority[dependent]), dependent));
                unblocked.push(self.nodes[dependent]);
            }
        }
        unblocked
    }

    /// For a node that failed: marks it failed and removes all its transitive
    /// dependents from the queue, since they cannot be installed against a
    /// missing artifact. Returns the removed nodes in the order they were
    /// given. Nodes that do not depend on `n` stay queued (`--keep-going`).
    ///
    /// Call this instead of [`finish`](Self::finish). Dependents that were
    /// already removed, or already dequeued, are not returned again.
    pub fn skip_dependents(&mut self, n: N) -> Vec<N> {
        let Some(&at) = self.index.get(&n) else {
            return Vec::new();
        };
        if self.state[at] == State::Running {
            self.state[at] = State::Removed;
        }
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![at];
        let mut removed = Vec::new();
        while let Some(current) = stack.pop() {
            for &dependent in &self.dependents[current] {
                if seen[dependent] {
                    continue;
                }
                seen[dependent] = true;
                stack.push(dependent);
                match self.state[dependent] {
                    State::Waiting | State::Ready => {
                        self.ready
                            .remove(&(Reverse(self.priority[dependent]), dependent));
                        self.state[dependent] = State::Removed;
                        self.queued -= 1;
                        removed.push(dependent);
                    }
                    State::Running | State::Finished | State::Removed => {}
                }
            }
        }
        removed.sort_unstable();
        removed.into_iter().map(|i| self.nodes[i]).collect()
    }

    /// True when no node is left to dequeue (running nodes do not count).
    pub fn is_empty(&self) -> bool {
        self.queued == 0
    }

    /// How many nodes are left to dequeue, ready or waiting (running,
    /// finished and removed nodes do not count).
    pub fn len(&self) -> usize {
        self.queued
    }

    /// The nodes left to dequeue, in the order they were given: what a run
    /// that stops now never started.
    pub fn queued(&self) -> Vec<N> {
        self.state
            .iter()
            .enumerate()
            .filter(|(_, state)| matches!(state, State::Waiting | State::Ready))
            .map(|(at, _)| self.nodes[at])
            .collect()
    }

    /// The dependencies of `n` inside the queue that have not finished
    /// successfully yet (waiting, running, failed or skipped), in the order
    /// they were given. Empty for an unknown node.
    pub fn waiting_on(&self, n: N) -> Vec<N> {
        let Some(&at) = self.index.get(&n) else {
            return Vec::new();
        };
        self.deps[at]
            .iter()
            .filter(|&&dep| self.state[dep] != State::Finished)
            .map(|&dep| self.nodes[dep])
            .collect()
    }

    /// The scheduling priority of `n`: 1 + the number of nodes that depend on
    /// it, directly or transitively. `None` for an unknown node.
    pub fn priority(&self, n: N) -> Option<usize> {
        self.index.get(&n).map(|&at| self.priority[at])
    }

    fn running(&self, n: N) -> Option<usize> {
        let &at = self.index.get(&n)?;
        (self.state[at] == State::Running).then_some(at)
    }
}

/// Kahn's algorithm. On a cycle, returns which nodes could not be ordered:
/// those on a cycle or depending on one.
fn topological_order(
    dependents: &[Vec<usize>],
    unfinished: &[usize],
) -> Result<Vec<usize>, Vec<bool>> {
    let mut left = unfinished.to_vec();
    let mut order: Vec<usize> = (0..left.len()).filter(|&at| left[at] == 0).collect();
    let mut next = 0;
    while next < order.len() {
        let at = order[next];
        next += 1;
        for &dependent in &dependents[at] {
            left[dependent] -= 1;
            if left[dependent] == 0 {
                order.push(dependent);
            }
        }
    }
    if order.len() == left.len() {
        Ok(order)
    } else {
        Err(left.iter().map(|&l| l > 0).collect())
    }
}

/// Walks from the first stuck node along stuck dependencies until a node
/// repeats; returns the loop, each node depending on the next.
fn find_cycle(deps: &[Vec<usize>], stuck: &[bool]) -> Vec<usize> {
    // A stuck node still waited for a dependency that Kahn could not take,
    // i.e. a stuck one, so this walk never ends before it loops.
    let mut path: Vec<usize> = Vec::new();
    let mut on_path = vec![usize::MAX; deps.len()];
    let Some(mut at) = stuck.iter().position(|&s| s) else {
        return path;
    };
    loop {
        if on_path[at] != usize::MAX {
            return path.split_off(on_path[at]);
        }
        on_path[at] = path.len();
        path.push(at);
        match deps[at].iter().find(|&&dep| stuck[dep]) {
            Some(&dep) => at = dep,
            None => return path,
        }
    }
}

/// 1 + the number of transitive dependents of each node, computed once in
/// reverse topological order with one bit set per node (n²/64 words: a
/// 10 000-module reactor needs about 12 MB for a moment).
fn priorities(dependents: &[Vec<usize>], topological: &[usize]) -> Vec<usize> {
    let count = dependents.len();
    let words = count.div_ceil(64);
    let mut reach: Vec<Vec<u64>> = vec![Vec::new(); count];
    for &at in topological.iter().rev() {
        let mut mine = vec![0u64; words];
        for &dependent in &dependents[at] {
            mine[dependent / 64] |= 1 << (dependent % 64);
            for (word, theirs) in mine.iter_mut().zip(&reach[dependent]) {
                *word |= theirs;
            }
        }
        reach[at] = mine;
    }
    reach
        .iter()
        .map(|bits| 1 + bits.iter().map(|w| w.count_ones() as usize).sum::<usize>())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashSet, VecDeque};

    fn queue(nodes: &[(&'static str, &[&'static str])]) -> DependencyQueue<&'static str> {
        DependencyQueue::new(nodes.iter().map(|(n, d)| (*n, d.to_vec())))
            .expect("test graphs without a cycle build")
    }

    fn drain_in_order(mut q: DependencyQueue<&'static str>) -> Vec<&'static str> {
        let mut order = Vec::new();
        while let Some(n) = q.dequeue() {
            order.push(n);
            q.finish(n);
        }
        order
    }

    #[test]
    fn two_node_cycle_is_reported_with_both_nodes() {
        let err = DependencyQueue::new([("a", vec!["b"]), ("b", vec!["a"]), ("c", vec![])])
            .expect_err("a and b form a cycle");
        assert_eq!(err, QueueError::Cycle(vec!["a", "b"]));
        assert!(err.to_string().contains("\"a\" -> \"b\" -> \"a\""), "{err}");
    }

    #[test]
    fn cycle_report_leaves_out_nodes_that_only_lead_into_it() {
        // top -> x -> y -> z -> x: `top` is stuck too, but not on the loop.
        let err = DependencyQueue::new([
            ("top", vec!["x"]),
            ("x", vec!["y"]),
            ("y", vec!["z"]),
            ("z", vec!["x"]),
            ("free", vec![]),
        ])
        .expect_err("x, y, z form a cycle");
        assert_eq!(err, QueueError::Cycle(vec!["x", "y", "z"]));
    }

    #[test]
    fn self_dependency_is_a_cycle() {
        let err = DependencyQueue::new([("a", vec!["a"])]).expect_err("a depends on itself");
        assert_eq!(err, QueueError::Cycle(vec!["a"]));
    }

    #[test]
    fn dependencies_outside_the_plan_are_already_installed() {
        let mut q = queue(&[("app", &["lib", "commons-lang3"]), ("lib", &["guava"])]);
        assert_eq!(q.waiting_on("app"), vec!["lib"]);
        assert_eq!(q.dequeue(), Some("lib"));
        assert_eq!(q.dequeue(), None, "app waits for lib only");
        assert_eq!(q.finish("lib"), vec!["app"]);
        assert_eq!(q.dequeue(), Some("app"));
    }

    #[test]
    fn priority_counts_transitive_dependents() {
        // core <- api <- {web, cli}; util stands alone.
        let q = queue(&[
            ("util", &[]),
            ("core", &[]),
            ("api", &["core"]),
            ("web", &["api", "core"]),
            ("cli", &["api"]),
        ]);
        assert_eq!(q.priority("core"), Some(4));
        assert_eq!(q.priority("api"), Some(3));
        assert_eq!(q.priority("util"), Some(1));
        assert_eq!(q.priority("web"), Some(1));
        assert_eq!(q.priority("nope"), None);
    }

    #[test]
    fn the_most_waited_for_node_starts_first_even_if_given_later() {
        let q = queue(&[
            ("util", &[]),
            ("core", &[]),
            ("api", &["core"]),
            ("web", &["api"]),
        ]);
        assert_eq!(drain_in_order(q), vec!["core", "api", "util", "web"]);
    }

    #[test]
    fn ties_keep_the_reactor_order() {
        let q = queue(&[("c", &[]), ("a", &[]), ("b", &[])]);
        assert_eq!(drain_in_order(q), vec!["c", "a", "b"]);
    }

    #[test]
    fn a_node_given_twice_keeps_its_first_place_and_all_dependencies() {
        let mut q = queue(&[("x", &[]), ("a", &["x"]), ("b", &[]), ("a", &["b"])]);
        assert_eq!(q.len(), 3);
        assert_eq!(q.waiting_on("a"), vec!["x", "b"]);
        assert_eq!(q.dequeue(), Some("x"));
        assert_eq!(q.finish("x"), Vec::<&str>::new(), "a still waits for b");
    }

    #[test]
    fn finish_ignores_nodes_that_are_not_running() {
        let mut q = queue(&[("a", &[]), ("b", &["a"])]);
        assert!(q.finish("a").is_empty(), "a was never dequeued");
        assert!(q.finish("zzz").is_empty());
        assert_eq!(q.dequeue(), Some("a"));
        assert_eq!(q.finish("a"), vec!["b"]);
        assert!(q.finish("a").is_empty(), "a already finished");
    }

    #[test]
    fn waiting_on_tracks_progress_and_len_counts_queued_nodes() {
        let mut q = queue(&[("a", &[]), ("b", &[]), ("c", &["a", "b"])]);
        assert_eq!(q.len(), 3);
        assert_eq!(q.waiting_on("c"), vec!["a", "b"]);
        assert_eq!(q.dequeue(), Some("a"));
        assert_eq!(q.len(), 2);
        assert_eq!(
            q.waiting_on("c"),
            vec!["a", "b"],
            "a is running, not finished"
        );
        q.finish("a");
        assert_eq!(q.waiting_on("c"), vec!["b"]);
        assert_eq!(q.queued(), vec!["b", "c"]);
    }

    #[test]
    fn skip_dependents_keeps_independent_nodes() {
        let mut q = queue(&[
            ("a", &[]),
            ("d", &[]),
            ("b", &["a"]),
            ("c", &["b"]),
            ("e", &["d"]),
            ("f", &["a", "d"]),
        ]);
        assert_eq!(q.dequeue(), Some("a"));
        assert_eq!(q.skip_dependents("a"), vec!["b", "c", "f"]);
        assert_eq!(
            q.waiting_on("b"),
            vec!["a"],
            "a failed, so it never finished"
        );
        assert_eq!(drain_in_order(q), vec!["d", "e"]);
    }

    #[test]
    fn empty_queue() {
        let mut q = DependencyQueue::<u32>::new([]).expect("no nodes, no cycle");
        assert!(q.is_empty());
        assert_eq!(q.dequeue(), None);
    }

    /// A random DAG over nodes 0..n (node i may depend only on nodes < i, so
    /// there is no cycle), handed to the queue in a shuffled order under
    /// scrambled ids, with some dependencies on ids outside the plan.
    #[derive(Debug, Clone)]
    struct Dag {
        /// (id, dependency ids) in the order given to the queue.
        given: Vec<(u32, Vec<u32>)>,
        /// id -> its dependencies inside the plan.
        deps: HashMap<u32, Vec<u32>>,
    }

    impl Dag {
        fn queue(&self) -> DependencyQueue<u32> {
            DependencyQueue::new(self.given.clone()).expect("a DAG has no cycle")
        }

        fn dependents_of(&self, n: u32) -> HashSet<u32> {
            let mut found = HashSet::new();
            let mut todo = VecDeque::from([n]);
            while let Some(current) = todo.pop_front() {
                for (&id, deps) in &self.deps {
                    if deps.contains(&current) && found.insert(id) {
                        todo.push_back(id);
                    }
                }
            }
            found
        }

        /// Number of nodes on the longest dependency chain.
        fn longest_path(&self) -> usize {
            fn depth(dag: &Dag, n: u32, memo: &mut HashMap<u32, usize>) -> usize {
                if let Some(&d) = memo.get(&n) {
                    return d;
                }
                let d = 1 + dag.deps[&n]
                    .iter()
                    .map(|&dep| depth(dag, dep, memo))
                    .max()
                    .unwrap_or(0);
                memo.insert(n, d);
                d
            }
            let mut memo = HashMap::new();
            self.deps
                .keys()
                .map(|&n| depth(self, n, &mut memo))
                .max()
                .unwrap_or(0)
        }
    }

    fn dag() -> impl Strategy<Value = Dag> {
        (0usize..40)
            .prop_flat_map(|n| {
                (
                    prop::collection::vec(
                        prop::collection::vec(any::<prop::sample::Index>(), 0..4),
                        n,
                    ),
                    Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
                    prop::collection::vec(any::<bool>(), n),
                )
            })
            .prop_map(|(picks, shuffled, outside)| {
                // Scramble ids so the queue cannot lean on id order.
                let id = |i: usize| (i as u32).wrapping_mul(2_654_435_761) % 1_000_003;
                let mut deps = HashMap::new();
                for (i, pick) in picks.iter().enumerate() {
                    let mut mine: Vec<u32> = if i == 0 {
                        Vec::new()
                    } else {
                        pick.iter().map(|p| id(p.index(i))).collect()
                    };
                    mine.sort_unstable();
                    mine.dedup();
                    deps.insert(id(i), mine);
                }
                let given = shuffled
                    .iter()
                    .map(|&i| {
                        let mut mine = deps[&id(i)].clone();
                        if outside[i] {
                            mine.push(2_000_000 + i as u32);
                        }
                        (id(i), mine)
                    })
                    .collect();
                Dag { given, deps }
            })
    }

    proptest! {
        /// k workers; each step either starts ready work (while a worker is
        /// free) or finishes one running node chosen by the strategy.
        #[test]
        fn workers_never_start_a_node_before_its_dependencies(
            dag in dag(),
            workers in 1usize..5,
            choices in prop::collection::vec(any::<prop::sample::Index>(), 200),
        ) {
            let mut q = dag.queue();
            let mut finished: HashSet<u32> = HashSet::new();
            let mut dequeued: Vec<u32> = Vec::new();
            let mut running: Vec<u32> = Vec::new();
            let mut choice = choices.iter().cycle();
            loop {
                while running.len() < workers {
                    let Some(n) = q.dequeue() else { break };
                    for dep in &dag.deps[&n] {
                        prop_assert!(finished.contains(dep), "{n} started before {dep} finished");
                    }
                    dequeued.push(n);
                    running.push(n);
                }
                if running.is_empty() {
                    break;
                }
                let pick = choice.next().map_or(0, |c| c.index(running.len()));
                let n = running.swap_remove(pick);
                finished.insert(n);
                let unblocked = q.finish(n);
                for u in &unblocked {
                    prop_assert!(dag.deps[u].contains(&n));
                    prop_assert!(dag.deps[u].iter().all(|d| finished.contains(d)));
                }
            }
            prop_assert!(q.is_empty());
            prop_assert_eq!(q.len(), 0);
            let unique: HashSet<u32> = dequeued.iter().copied().collect();
            prop_assert_eq!(unique.len(), dequeued.len(), "a node was dequeued twice");
            prop_assert_eq!(unique, dag.deps.keys().copied().collect::<HashSet<u32>>());
        }

        /// With a worker per node, all ready work starts together, so the
        /// run takes as many rounds as the longest chain has nodes.
        #[test]
        fn enough_workers_finish_in_longest_path_rounds(dag in dag()) {
            let mut q = dag.queue();
            let mut rounds = 0;
            loop {
                let mut batch = Vec::new();
                while let Some(n) = q.dequeue() {
                    batch.push(n);
                }
                if batch.is_empty() {
                    break;
                }
                rounds += 1;
                for n in batch {
                    q.finish(n);
                }
            }
            prop_assert!(q.is_empty());
            prop_assert_eq!(rounds, dag.longest_path());
        }

        /// Ready nodes come out by descending priority.
        #[test]
        fn dequeue_prefers_higher_priority(dag in dag()) {
            let mut q = dag.queue();
            for (id, _) in &dag.given {
                prop_assert_eq!(q.priority(*id), Some(1 + dag.dependents_of(*id).len()));
            }
            let mut last = usize::MAX;
            while let Some(n) = q.dequeue() {
                let p = q.priority(n).unwrap_or(0);
                prop_assert!(p <= last);
                last = p;
            }
        }

        /// A node fails once it is dequeued; exactly its transitive
        /// dependents are removed and every other node still runs once.
        #[test]
        fn skip_dependents_removes_exactly_the_transitive_dependents(
            dag in dag(),
            failing in any::<prop::sample::Index>(),
        ) {
            prop_assume!(!dag.given.is_empty());
            let failed = dag.given[failing.index(dag.given.len())].0;
            let expected = dag.dependents_of(failed);
            let mut q = dag.queue();
            let mut ran: Vec<u32> = Vec::new();
            let mut skipped: Option<Vec<u32>> = None;
            while let Some(n) = q.dequeue() {
                if n == failed {
                    let removed = q.skip_dependents(n);
                    let unique: HashSet<u32> = removed.iter().copied().collect();
                    prop_assert_eq!(unique.len(), removed.len());
                    prop_assert_eq!(&unique, &expected);
                    skipped = Some(removed);
                } else {
                    ran.push(n);
                    q.finish(n);
                }
            }
            prop_assert!(skipped.is_some(), "the failing node was never dequeued");
            prop_assert!(q.is_empty());
            let ran: HashSet<u32> = ran.into_iter().collect();
            let mut everyone: HashSet<u32> = dag.deps.keys().copied().collect();
            everyone.remove(&failed);
            let independent: HashSet<u32> = everyone.difference(&expected).copied().collect();
            prop_assert_eq!(ran, independent);
        }
    }
}
