//! Superclasses and interfaces across a version's classes and the few JDK types that
//! libraries commonly extend.
//!
//! m2fresh does not read the JDK (japicmp loads it through the running JVM). What the
//! compatibility rules need of it is small: the superclass chain and interfaces of the
//! JDK classes libraries extend (exceptions, collections, streams), and the methods every
//! class inherits from `java.lang.Object`. A JDK type outside this table ends the walk,
//! as a class missing from the jar does (`--ignore-missing-classes`).

use super::archive::ClassSet;
use super::classfile::Class;
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

/// The classes a lookup by name sees: the new version's, else the old version's. This
/// is japicmp's one common class pool (its default `ONE_COMMON_CLASSPATH`), where the new
/// archive's classes replace the old ones: an old class's superclass and interfaces,
/// looked up by name, are the new versions of those types.
#[derive(Clone, Copy, Debug)]
pub struct Pool<'a> {
    /// The new version.
    pub new: &'a ClassSet,
    /// The old version.
    pub old: &'a ClassSet,
}

impl<'a> Pool<'a> {
    /// The class named `name`: the new version's, else the old version's.
    pub fn get(&self, name: &str) -> Option<&'a Class> {
        self.new.get(name).or_else(|| self.old.get(name))
    }

    fn entry(&self, name: &str) -> Option<(&'a String, &'a Class)> {
        self.new
            .classes
            .get_key_value(name)
            .or_else(|| self.old.classes.get_key_value(name))
    }

    /// Whether the type is neither in the pool nor in the JDK (a missing class).
    pub fn is_missing(&self, name: &str) -> bool {
        self.get(name).is_none() && !is_jdk(name)
    }
}

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
pub fn superclasses<'a>(pool: &Pool<'a>, name: &str) -> Vec<Ancestor<'a>> {
    let mut chain = Vec::new();
    let mut next: Option<&'a str> = pool.get(name).and_then(|c| c.super_class.as_deref());
    while let Some(current) = next {
        if chain.len() >= MAX_DEPTH || chain.iter().any(|a: &Ancestor| a.name() == current) {
            break;
        }
        if let Some(class) = pool.entry(current) {
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
/// and those of its superclasses, collected as japicmp collects them through javassist:
/// a type one of whose declared interfaces is missing (neither in `set` nor in the JDK)
/// contributes nothing more, not even its superclass's interfaces.
pub fn all_interfaces(pool: &Pool<'_>, start: &Class) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    collect_class(pool, Some(start), &start.name, &mut out, 0);
    out
}

fn collect_class(
    pool: &Pool<'_>,
    class: Option<&Class>,
    name: &str,
    out: &mut BTreeSet<String>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let interfaces = match class {
        Some(class) => class.interfaces.clone(),
        None => direct_interfaces(pool, name),
    };
    if interfaces.iter().any(|i| pool.is_missing(i)) {
        return;
    }
    for interface in &interfaces {
        out.insert(interface.clone());
        if collect_super_interfaces(pool, interface, out, depth + 1).is_err() {
            return;
        }
    }
    let super_class = match class {
        Some(class) => class.super_class.clone(),
        None => jdk(name).and_then(|(s, _)| s.map(str::to_string)),
    };
    if let Some(super_class) = super_class.filter(|s| !pool.is_missing(s)) {
        let resolved = pool.get(&super_class);
        collect_class(pool, resolved, &super_class, out, depth + 1);
    }
}

fn collect_super_interfaces(
    pool: &Pool<'_>,
    interface: &str,
    out: &mut BTreeSet<String>,
    depth: usize,
) -> Result<(), ()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let supers = direct_interfaces(pool, interface);
    if supers.iter().any(|i| pool.is_missing(i)) {
        return Err(());
    }
    for s in supers {
        out.insert(s.clone());
        collect_super_interfaces(pool, &s, out, depth + 1)?;
    }
    Ok(())
}

fn direct_interfaces(pool: &Pool<'_>, name: &str) -> Vec<String> {
    if let Some(class) = pool.get(name) {
        class.interfaces.clone()
    } else if let Some((_, interfaces)) = jdk(name) {
        interfaces.iter().map(|s| s.to_string()).collect()
    } else {
        Vec::new()
    }
}

/// The public and protected methods the table knows a JDK class to declare: name,
/// descriptor, and whether it is abstract. `java.lang.Object`'s for a class it does not
/// know (every class inherits them).
pub fn jdk_methods(name: &str) -> &'static [JdkMethod] {
    JDK_METHODS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |(_, methods)| *methods)
}

const COLLECTION: &str = "(Ljava/util/Collection;)Z";
/// A method the table knows: name, descriptor, abstract.
type JdkMethod = (&'static str, &'static str, bool);

const JDK_METHODS: &[(&str, &[JdkMethod])] = &[
    (
        "java.lang.Object",
        &[
            ("equals", "(Ljava/lang/Object;)Z", false),
            ("hashCode", "()I", false),
            ("toString", "()Ljava/lang/String;", false),
            ("getClass", "()Ljava/lang/Class;", false),
            ("notify", "()V", false),
            ("notifyAll", "()V", false),
            ("wait", "()V", false),
            ("wait", "(J)V", false),
            ("wait", "(JI)V", false),
            ("clone", "()Ljava/lang/Object;", false),
            ("finalize", "()V", false),
        ],
    ),
    (
        "java.util.AbstractCollection",
        &[
            ("iterator", "()Ljava/util/Iterator;", true),
            ("size", "()I", true),
            ("isEmpty", "()Z", false),
            ("contains", "(Ljava/lang/Object;)Z", false),
            ("toArray", "()[Ljava/lang/Object;", false),
            ("toArray", "([Ljava/lang/Object;)[Ljava/lang/Object;", false),
            ("add", "(Ljava/lang/Object;)Z", false),
            ("remove", "(Ljava/lang/Object;)Z", false),
            ("containsAll", COLLECTION, false),
            ("addAll", COLLECTION, false),
            ("removeAll", COLLECTION, false),
            ("retainAll", COLLECTION, false),
            ("clear", "()V", false),
            ("toString", "()Ljava/lang/String;", false),
        ],
    ),
    (
        "java.util.AbstractList",
        &[
            ("add", "(Ljava/lang/Object;)Z", false),
            ("get", "(I)Ljava/lang/Object;", true),
            ("set", "(ILjava/lang/Object;)Ljava/lang/Object;", false),
            ("add", "(ILjava/lang/Object;)V", false),
            ("remove", "(I)Ljava/lang/Object;", false),
            ("indexOf", "(Ljava/lang/Object;)I", false),
            ("lastIndexOf", "(Ljava/lang/Object;)I", false),
            ("clear", "()V", false),
            ("addAll", "(ILjava/util/Collection;)Z", false),
            ("iterator", "()Ljava/util/Iterator;", false),
            ("listIterator", "()Ljava/util/ListIterator;", false),
            ("listIterator", "(I)Ljava/util/ListIterator;", false),
            ("subList", "(II)Ljava/util/List;", false),
            ("equals", "(Ljava/lang/Object;)Z", false),
            ("hashCode", "()I", false),
            ("removeRange", "(II)V", false),
        ],
    ),
    (
        "java.util.AbstractSet",
        &[
            ("equals", "(Ljava/lang/Object;)Z", false),
            ("hashCode", "()I", false),
            ("removeAll", COLLECTION, false),
        ],
    ),
    (
        "java.util.AbstractMap",
        &[
            ("size", "()I", false),
            ("isEmpty", "()Z", false),
            ("containsValue", "(Ljava/lang/Object;)Z", false),
            ("containsKey", "(Ljava/lang/Object;)Z", false),
            ("get", "(Ljava/lang/Object;)Ljava/lang/Object;", false),
            (
                "put",
                "(Ljava/lang/Object;Ljava/lang/Object;)Ljava/lang/Object;",
                false,
            ),
            ("remove", "(Ljava/lang/Object;)Ljava/lang/Object;", false),
            ("putAll", "(Ljava/util/Map;)V", false),
            ("clear", "()V", false),
            ("keySet", "()Ljava/util/Set;", false),
            ("values", "()Ljava/util/Collection;", false),
            ("entrySet", "()Ljava/util/Set;", true),
            ("equals", "(Ljava/lang/Object;)Z", false),
            ("hashCode", "()I", false),
            ("toString", "()Ljava/lang/String;", false),
            ("clone", "()Ljava/lang/Object;", false),
        ],
    ),
];

/// Whether the exception type `name` is checked (not below `RuntimeException` or
/// `Error`), looking it up in `sets` and the JDK table; an unknown type counts as checked.
pub fn is_checked_exception(pool: &Pool<'_>, name: &str) -> bool {
    let mut current = name.to_string();
    for _ in 0..MAX_DEPTH {
        if current == "java.lang.RuntimeException" || current == "java.lang.Error" {
            return false;
        }
        if current == "java.lang.Exception" || current == "java.lang.Throwable" {
            return true;
        }
        let parent = pool
            .get(&current)
            .and_then(|c| c.super_class.clone())
            .or_else(|| jdk(&current).and_then(|(s, _)| s.map(str::to_string)));
        match parent {
            Some(p) => current = p,
            None => return true,
        }
    }
    true
}
