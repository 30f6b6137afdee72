//! Superclasses and interfaces across a version's classes and the few JDK types that
//! libraries commonly extend.
//!
//! m2fresh does not read the JDK (japicmp loads it through the running JVM). What the
//! compatibility rules need of it is small: the superclass chain and interfaces of the
//! JDK classes libraries extend (exceptions, collections, streams), and the methods every
//! class inherits from `java.lang.Object`. A JDK type outside this table ends the walk,
//! as a class missing from the jar does (`--ignore-missing-classes`).

use super::archive::ClassSet;
use std::collections::BTreeSet;

/// JDK types: name, superclass (classes only), directly implemented interfaces.
const JDK: &[(&str, Option<&str>, &[&str])] = &[
    ("java.lang.Object", None, &[]),
    (
        "java.lang.Throwable",
        Some("java.lang.Object"),
        &["java.io.Serializable"],
    ),
    ("java.lang.Exception", Some("java.lang.Throwable"), &[]),
    ("java.lang.Error", Some("java.lang.Throwable"), &[]),
    (
        "java.lang.RuntimeException",
        Some("java.lang.Exception"),
        &[],
    ),
    (
        "java.lang.IllegalArgumentException",
        Some("java.lang.RuntimeException"),
        &[],
    ),
    (
        "java.lang.IllegalStateException",
        Some("java.lang.RuntimeException"),
        &[],
    ),
    (
        "java.lang.UnsupportedOperationException",
        Some("java.lang.RuntimeException"),
        &[],
    ),
    ("java.io.IOException", Some("java.lang.Exception"), &[]),
    (
        "java.io.UncheckedIOException",
        Some("java.lang.RuntimeException"),
        &[],
    ),
    (
        "java.lang.Number",
        Some("java.lang.Object"),
        &["java.io.Serializable"],
    ),
    (
        "java.lang.Enum",
        Some("java.lang.Object"),
        &[
            "java.lang.constant.Constable",
            "java.lang.Comparable",
            "java.io.Serializable",
        ],
    ),
    ("java.lang.Record", Some("java.lang.Object"), &[]),
    (
        "java.util.AbstractCollection",
        Some("java.lang.Object"),
        &["java.util.Collection"],
    ),
    (
        "java.util.AbstractList",
        Some("java.util.AbstractCollection"),
        &["java.util.List"],
    ),
    (
        "java.util.AbstractSequentialList",
        Some("java.util.AbstractList"),
        &[],
    ),
    (
        "java.util.AbstractSet",
        Some("java.util.AbstractCollection"),
        &["java.util.Set"],
    ),
    (
        "java.util.AbstractQueue",
        Some("java.util.AbstractCollection"),
        &["java.util.Queue"],
    ),
    (
        "java.util.AbstractMap",
        Some("java.lang.Object"),
        &["java.util.Map"],
    ),
    (
        "java.io.InputStream",
        Some("java.lang.Object"),
        &["java.io.Closeable"],
    ),
    (
        "java.io.FilterInputStream",
        Some("java.io.InputStream"),
        &[],
    ),
    (
        "java.io.OutputStream",
        Some("java.lang.Object"),
        &["java.io.Closeable", "java.io.Flushable"],
    ),
    (
        "java.io.FilterOutputStream",
        Some("java.io.OutputStream"),
        &[],
    ),
    (
        "java.io.Reader",
        Some("java.lang.Object"),
        &["java.lang.Readable", "java.io.Closeable"],
    ),
    (
        "java.io.Writer",
        Some("java.lang.Object"),
        &[
            "java.lang.Appendable",
            "java.io.Closeable",
            "java.io.Flushable",
        ],
    ),
    ("java.util.Collection", None, &["java.lang.Iterable"]),
    ("java.util.List", None, &["java.util.Collection"]),
    ("java.util.Set", None, &["java.util.Collection"]),
    (
        "java.util.SortedSet",
        None,
        &["java.util.Set", "java.util.SequencedSet"],
    ),
    ("java.util.NavigableSet", None, &["java.util.SortedSet"]),
    ("java.util.Queue", None, &["java.util.Collection"]),
    ("java.util.Deque", None, &["java.util.Queue"]),
    ("java.util.SortedMap", None, &["java.util.Map"]),
    ("java.util.NavigableMap", None, &["java.util.SortedMap"]),
    (
        "java.util.concurrent.ConcurrentMap",
        None,
        &["java.util.Map"],
    ),
    (
        "java.util.concurrent.BlockingQueue",
        None,
        &["java.util.Queue"],
    ),
    ("java.util.ListIterator", None, &["java.util.Iterator"]),
    ("java.io.Closeable", None, &["java.lang.AutoCloseable"]),
    (
        "java.util.concurrent.ExecutorService",
        None,
        &["java.util.concurrent.Executor"],
    ),
    (
        "java.util.concurrent.ScheduledExecutorService",
        None,
        &["java.util.concurrent.ExecutorService"],
    ),
];

/// The public and protected methods of `java.lang.Object`: name and descriptor.
pub const OBJECT_METHODS: &[(&str, &str)] = &[
    ("equals", "(Ljava/lang/Object;)Z"),
    ("hashCode", "()I"),
    ("toString", "()Ljava/lang/String;"),
    ("getClass", "()Ljava/lang/Class;"),
    ("notify", "()V"),
    ("notifyAll", "()V"),
    ("wait", "()V"),
    ("wait", "(J)V"),
    ("wait", "(JI)V"),
    ("clone", "()Ljava/lang/Object;"),
    ("finalize", "()V"),
];

/// The bound on any walk up a hierarchy: a crafted jar may contain a cycle.
const MAX_DEPTH: usize = 256;

fn jdk(name: &str) -> Option<(Option<&'static str>, &'static [&'static str])> {
    JDK.iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, s, i)| (*s, *i))
}

/// Whether `name` is a JDK type (which the walk knows only from its table).
pub fn is_jdk(name: &str) -> bool {
    name.starts_with("java.") || name.starts_with("javax.") || name.starts_with("jdk.")
}

/// One step up a superclass chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ancestor<'a> {
    /// A class of this version, by name.
    Here(&'a str),
    /// A JDK class (its members are unknown, except `java.lang.Object`'s).
    Jdk(&'a str),
}

impl<'a> Ancestor<'a> {
    /// The class's name.
    pub fn name(&self) -> &'a str {
        match self {
            Ancestor::Here(n) | Ancestor::Jdk(n) => n,
        }
    }
}

/// The superclasses of `name` in `set`, nearest first, ending at the first class that is
/// neither in `set` nor a JDK class (missing classes are ignored, as with japicmp's
/// `--ignore-missing-classes`).
pub fn superclasses<'a>(set: &'a ClassSet, name: &str) -> Vec<Ancestor<'a>> {
    let mut chain = Vec::new();
    let mut next: Option<&'a str> = set.get(name).and_then(|c| c.super_class.as_deref());
    while let Some(current) = next {
        if chain.len() >= MAX_DEPTH || chain.iter().any(|a: &Ancestor| a.name() == current) {
            break;
        }
        if let Some(class) = set.classes.get_key_value(current) {
            chain.push(Ancestor::Here(class.0.as_str()));
            next = class.1.super_class.as_deref();
        } else if let Some((name, sup, _)) = JDK.iter().find(|(n, _, _)| *n == current) {
            chain.push(Ancestor::Jdk(name));
            next = *sup;
        } else if is_jdk(current) {
            // A JDK class the table does not know: it exists, and extends Object.
            chain.push(Ancestor::Jdk("<jdk>"));
            chain.push(Ancestor::Jdk("java.lang.Object"));
            break;
        } else {
            break;
        }
    }
    chain
}

/// Every interface `name` implements in `set`: declared ones, their super-interfaces,
/// and those of its superclasses, as far as `set` and the JDK table know them.
pub fn all_interfaces(set: &ClassSet, name: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut types = vec![name.to_string()];
    types.extend(superclasses(set, name).iter().map(|a| a.name().to_string()));
    let mut pending: Vec<String> = Vec::new();
    for t in &types {
        pending.extend(direct_interfaces(set, t));
    }
    while let Some(interface) = pending.pop() {
        if out.len() >= MAX_DEPTH * 16 || !out.insert(interface.clone()) {
            continue;
        }
        pending.extend(direct_interfaces(set, &interface));
    }
    out
}

fn direct_interfaces(set: &ClassSet, name: &str) -> Vec<String> {
    if let Some(class) = set.get(name) {
        class.interfaces.clone()
    } else if let Some((_, interfaces)) = jdk(name) {
        interfaces.iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    }
}

/// Whether the exception type `name` is checked (not below `RuntimeException` or
/// `Error`), looking it up in `sets` and the JDK table; an unknown type counts as checked.
pub fn is_checked_exception(sets: &[&ClassSet], name: &str) -> bool {
    let mut current = name.to_string();
    for _ in 0..MAX_DEPTH {
        if current == "java.lang.RuntimeException" || current == "java.lang.Error" {
            return false;
        }
        if current == "java.lang.Exception" || current == "java.lang.Throwable" {
            return true;
        }
        let parent = sets
            .iter()
            .find_map(|s| s.get(&current).and_then(|c| c.super_class.clone()))
            .or_else(|| jdk(&current).and_then(|(s, _)| s.map(str::to_string)));
        match parent {
            Some(p) => current = p,
            None => return true,
        }
    }
    true
}
