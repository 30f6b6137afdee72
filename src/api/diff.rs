//! The API diff: each change between two versions' classes, classified binary- and
//! source-compatible by the rules of JLS chapter 13 as japicmp applies them, plus the
//! one japicmp leaves out: a changed compile-time constant, which javac has copied into
//! every consumer (JLS 13.1, 13.4.9), so consumers compiled against the old value keep it
//! until they are recompiled.
//!
//! Scope, as japicmp's `-a protected`: types that are public or protected in either
//! version, and their public and protected members (only public ones in a class that
//! cannot be subclassed), synthetic ones left out. Members are matched by name and
//! erased parameter types (a changed return type is a change of the member, not a
//! removal and an addition), constructors by parameter types, fields by name.

use super::archive::ClassSet;
use super::classfile::{
    self, ABSTRACT, ANNOTATION, Access, Class, ENUM, FINAL, Field, INTERFACE, Method, SYNTHETIC,
};
use super::hierarchy::{self, Ancestor};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What changed. Each kind has a fixed classification ([`ChangeKind::compatibility`]),
/// except a return type that changed together with wider access (then compatible).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[allow(missing_docs)]
pub enum ChangeKind {
    TypeRemoved,
    TypeAdded,
    TypeLessAccessible,
    TypeNowAbstract,
    TypeNowFinal,
    TypeKindChanged,
    SuperclassRemoved,
    SuperclassAdded,
    NowCheckedException,
    InterfaceRemoved,
    InterfaceAdded,
    MethodRemovedInSuperclass,
    FieldRemovedInSuperclass,
    GenericsChanged,
    AnnotationAdded,
    AnnotationRemoved,
    AnnotationChanged,
    MethodRemoved,
    MethodAdded,
    MethodAddedToInterface,
    AbstractMethodAdded,
    MethodLessAccessible,
    MethodLessAccessibleThanInSuperclass,
    MethodStaticOverridesInstance,
    MethodReturnTypeChanged,
    MethodNowAbstract,
    MethodNowFinal,
    MethodNowStatic,
    MethodNoLongerStatic,
    MethodAbstractNowDefault,
    MethodNoLongerVarargs,
    CheckedExceptionAdded,
    CheckedExceptionRemoved,
    ConstructorRemoved,
    ConstructorAdded,
    ConstructorLessAccessible,
    FieldRemoved,
    FieldAdded,
    FieldLessAccessible,
    FieldLessAccessibleThanInSuperclass,
    FieldStaticHidesStatic,
    FieldNowFinal,
    FieldNowStatic,
    FieldNoLongerStatic,
    FieldTypeChanged,
    ConstantChanged,
}

impl ChangeKind {
    /// (binary compatible, source compatible), as japicmp's change types are classified.
    pub fn compatibility(self) -> (bool, bool) {
        use ChangeKind::*;
        match self {
            TypeAdded | SuperclassAdded | InterfaceAdded | AnnotationAdded | AnnotationRemoved
            | AnnotationChanged | MethodAdded | ConstructorAdded | FieldAdded | ConstantChanged => {
                (true, true)
            }
            NowCheckedException
            | GenericsChanged
            | MethodAddedToInterface
            | AbstractMethodAdded
            | MethodNoLongerVarargs
            | CheckedExceptionAdded
            | CheckedExceptionRemoved => (true, false),
            _ => (false, false),
        }
    }
}

/// One change of the API.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The type, dotted binary name (`com.example.Outer$Inner`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// The member (`find(java.lang.String)`, `<init>(int)`, `API_PREFIX`), or `None`
    /// for a change of the type itself.
    pub member: Option<String>,
    /// What changed.
    pub change: ChangeKind,
    /// Whether code compiled against the old version still links and runs.
    pub binary_compatible: bool,
    /// Whether code that compiled against the old version still compiles.
    pub source_compatible: bool,
    /// The change in words, with the old and new values.
    pub detail: String,
}

/// Compares two versions' classes, returning every change sorted by type, member, kind.
pub fn compare(old: &ClassSet, new: &ClassSet) -> Vec<Change> {
    let mut names: BTreeSet<&str> = old.classes.keys().map(String::as_str).collect();
    names.extend(new.classes.keys().map(String::as_str));
    let members = names
        .iter()
        .map(|n| (*n, Members::pair(old.get(n), new.get(n))))
        .collect();
    let mut cmp = Comparison {
        old,
        new,
        pool: hierarchy::Pool { new, old },
        members,
        out: Vec::new(),
    };
    for name in &names {
        cmp.compare_type(name);
    }
    let mut out = cmp.out;
    out.sort_by(|a, b| {
        (&a.type_name, &a.member, a.change).cmp(&(&b.type_name, &b.member, b.change))
    });
    out.dedup();
    out
}

/// One member in the old and the new version (at least one is there).
#[derive(Debug)]
struct Pair<'a, T> {
    old: Option<&'a T>,
    new: Option<&'a T>,
}

// Not derived: the derive would require `T: Copy`, and a pair only holds references.
impl<T> Clone for Pair<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Pair<'_, T> {}

impl<'a, T> Pair<'a, T> {
    fn any(&self) -> Option<&'a T> {
        self.new.or(self.old)
    }
}

impl<'a> Pair<'a, Method> {
    fn name(&self) -> &'a str {
        self.any().map_or("", |m| m.name.as_str())
    }
    fn params(&self) -> &'a str {
        self.any().map_or("", |m| m.parameters())
    }
    fn is_abstract(&self) -> bool {
        self.new.is_some_and(|m| m.access & ABSTRACT != 0)
    }
    fn is_removed(&self) -> bool {
        self.new.is_none()
    }
    fn label(&self) -> String {
        self.any().map(classfile::method_label).unwrap_or_default()
    }
    /// japicmp's `hasSameSignature`: same name, parameters and return type, comparing
    /// the sides both members have.
    fn same_signature(&self, other: &Pair<'_, Method>) -> bool {
        if self.name() != other.name() || self.params() != other.params() {
            return false;
        }
        let ret = |m: Option<&Method>| m.map(|m| m.return_type().to_string());
        let (ao, an, bo, bn) = (ret(self.old), ret(self.new), ret(other.old), ret(other.new));
        match (bo.is_some(), bn.is_some()) {
            (true, true) => match (ao.is_some(), an.is_some()) {
                (true, true) => ao == bo && an == bn,
                (false, _) => an == bn,
                (true, false) => ao == bo,
            },
            (false, _) => bn == an.or(ao),
            (true, false) => bo == an.or(ao),
        }
    }
}

impl<'a> Pair<'a, Field> {
    fn field_name(&self) -> &'a str {
        self.any().map_or("", |f| f.name.as_str())
    }
    fn same_type(&self, other: &Pair<'_, Field>) -> bool {
        let ty = |p: &Pair<'_, Field>| p.any().map(|f| f.descriptor.clone());
        ty(self) == ty(other)
    }
}

/// A type's members in both versions, matched.
struct Members<'a> {
    methods: Vec<Pair<'a, Method>>,
    fields: Vec<Pair<'a, Field>>,
}

impl<'a> Members<'a> {
    fn pair(old: Option<&'a Class>, new: Option<&'a Class>) -> Members<'a> {
        // Synthetic members (bridges, accessors) are not API: japicmp filters them out
        // before matching, so a method replaced by a bridge of the same erasure is removed.
        let real = |m: &&Method| m.access & SYNTHETIC == 0;
        let old_methods: Vec<&Method> = old
            .map(|c| c.methods.iter().filter(real).collect())
            .unwrap_or_default();
        let mut new_methods: Vec<Option<&Method>> = new
            .map(|c| c.methods.iter().filter(real).map(Some).collect())
            .unwrap_or_default();
        let mut methods = Vec::new();
        for om in old_methods {
            let candidates: Vec<usize> = (0..new_methods.len())
                .filter(|i| {
                    new_methods[*i]
                        .is_some_and(|nm| nm.name == om.name && nm.parameters() == om.parameters())
                })
                .collect();
            let chosen = candidates
                .iter()
                .find(|i| new_methods[**i].is_some_and(|nm| nm.return_type() == om.return_type()))
                .or(candidates.first())
                .copied();
            let new = chosen.and_then(|i| new_methods[i].take());
            methods.push(Pair { old: Some(om), new });
        }
        methods.extend(new_methods.into_iter().flatten().map(|nm| Pair {
            old: None,
            new: Some(nm),
        }));
        let real_fields = |c: Option<&'a Class>| -> Vec<&'a Field> {
            c.map(|c| {
                c.fields
                    .iter()
                    .filter(|f| f.access & SYNTHETIC == 0)
                    .collect()
            })
            .unwrap_or_default()
        };
        let (old_fields, new_fields) = (real_fields(old), real_fields(new));
        let mut fields: Vec<Pair<'a, Field>> = old_fields
            .iter()
            .map(|of| Pair {
                old: Some(*of),
                new: new_fields.iter().find(|nf| nf.name == of.name).copied(),
            })
            .collect();
        {
            for nf in new_fields {
                if !old_fields.iter().any(|of| of.name == nf.name) {
                    fields.push(Pair {
                        old: None,
                        new: Some(nf),
                    });
                }
            }
        }
        Members { methods, fields }
    }
}

fn level(access: u16) -> Access {
    Access::of(access)
}

fn kind_of(class: &Class) -> &'static str {
    if class.access & ANNOTATION != 0 {
        "annotation"
    } else if class.access & INTERFACE != 0 {
        "interface"
    } else if class.access & ENUM != 0 {
        "enum"
    } else {
        "class"
    }
}

/// Whether a consumer may subclass it: not final, and not only private constructors.
fn extendable(class: Option<&Class>) -> bool {
    let Some(class) = class else { return true };
    let constructors: Vec<&Method> = class
        .methods
        .iter()
        .filter(|m| m.is_constructor())
        .collect();
    let all_private = !constructors.is_empty()
        && constructors
            .iter()
            .all(|c| level(c.access) == Access::Private);
    class.access & FINAL == 0 && !all_private
}

struct Comparison<'a> {
    old: &'a ClassSet,
    new: &'a ClassSet,
    pool: hierarchy::Pool<'a>,
    members: HashMap<&'a str, Members<'a>>,
    out: Vec<Change>,
}

impl<'a> Comparison<'a> {
    fn push(
        &mut self,
        type_name: &str,
        member: Option<String>,
        change: ChangeKind,
        detail: String,
    ) {
        let (binary_compatible, source_compatible) = change.compatibility();
        self.out.push(Change {
            type_name: type_name.to_string(),
            member,
            change,
            binary_compatible,
            source_compatible,
            detail,
        });
    }

    /// The lowest access a member of `type_name` needs to be part of the API.
    fn member_floor(&self, type_name: &str) -> Access {
        if extendable(self.new.get(type_name)) {
            Access::Protected
        } else {
            Access::Public
        }
    }

    fn method_in_api(&self, type_name: &str, p: &Pair<'_, Method>) -> bool {
        let floor = self.member_floor(type_name);
        let synthetic = [p.old, p.new]
            .iter()
            .flatten()
            .any(|m| m.access & SYNTHETIC != 0);
        !synthetic
            && [p.old, p.new]
                .iter()
                .flatten()
                .any(|m| level(m.access) >= floor)
    }

    fn field_in_api(&self, type_name: &str, p: &Pair<'_, Field>) -> bool {
        let floor = self.member_floor(type_name);
        let synthetic = [p.old, p.new]
            .iter()
            .flatten()
            .any(|f| f.access & SYNTHETIC != 0);
        !synthetic
            && [p.old, p.new]
                .iter()
                .flatten()
                .any(|f| level(f.access) >= floor)
    }

    fn compare_type(&mut self, name: &'a str) {
        let (old, new) = (self.old.get(name), self.new.get(name));
        let in_api = |c: Option<&Class>| {
            c.is_some_and(|c| level(c.access) >= Access::Protected && c.access & SYNTHETIC == 0)
        };
        if !in_api(old) && !in_api(new) {
            return;
        }
        match (old, new) {
            (Some(o), None) => self.push(
                name,
                None,
                ChangeKind::TypeRemoved,
                format!("{} {name} was removed", kind_of(o)),
            ),
            (None, Some(n)) => self.push(
                name,
                None,
                ChangeKind::TypeAdded,
                format!("{} {name} was added", kind_of(n)),
            ),
            (Some(o), Some(n)) => {
                // A type that became public is new to consumers (as japicmp sees it).
                if level(o.access) < Access::Public && level(n.access) == Access::Public {
                    return;
                }
                self.type_rules(name, o, n);
                self.superclass_rules(name, o, n);
                self.interface_rules(name);
                if o.super_class.is_some() {
                    self.removed_in_superclasses(name);
                }
                self.method_rules(name, o, n);
                self.field_rules(name);
            }
            (None, None) => {}
        }
    }

    fn type_rules(&mut self, name: &str, o: &Class, n: &Class) {
        use ChangeKind::*;
        if kind_of(o) != kind_of(n) {
            let detail = format!("was {}, is now {}", kind_of(o), kind_of(n));
            self.push(name, None, TypeKindChanged, detail);
        }
        if kind_of(n) == "class" && o.access & ABSTRACT == 0 && n.access & ABSTRACT != 0 {
            self.push(
                name,
                None,
                TypeNowAbstract,
                "the class is now abstract".into(),
            );
        }
        if extendable(Some(o)) && !extendable(Some(n)) {
            let detail =
                "the class can no longer be subclassed (final, or only private constructors)";
            self.push(name, None, TypeNowFinal, detail.into());
        }
        if level(n.access) < level(o.access) {
            let detail = format!("was {}, is now {}", level(o.access), level(n.access));
            self.push(name, None, TypeLessAccessible, detail);
        }
        if o.signature != n.signature && o.signature.is_some() && n.signature.is_some() {
            let detail = format!(
                "generic signature {} is now {}",
                o.signature.as_deref().unwrap_or("(none)"),
                n.signature.as_deref().unwrap_or("(none)")
            );
            self.push(name, None, GenericsChanged, detail);
        }
        annotation_changes(&o.annotations, &n.annotations, |kind, detail| {
            self.push(name, None, kind, detail)
        });
    }

    /// The superclass as japicmp sees it: `None` when it is neither in the version nor
    /// in the JDK (a missing class is ignored).
    fn resolvable<'s>(&self, super_class: Option<&'s str>) -> Option<&'s str> {
        super_class.filter(|s| !self.pool.is_missing(s))
    }

    /// The interfaces of the type in the old version, and in the new version.
    fn interfaces(&self, name: &str) -> (BTreeSet<String>, BTreeSet<String>) {
        let of = |c: Option<&Class>| {
            c.map(|c| hierarchy::all_interfaces(&self.pool, c))
                .unwrap_or_default()
        };
        (of(self.old.get(name)), of(self.new.get(name)))
    }

    fn superclass_rules(&mut self, name: &str, o: &Class, n: &Class) {
        use ChangeKind::*;
        let old_super = self.resolvable(o.super_class.as_deref());
        let new_super = self.resolvable(n.super_class.as_deref());
        let object = "java.lang.Object";
        let removed = match (old_super, new_super) {
            (Some(a), Some(b)) if a != b => {
                if b == "java.lang.Exception" {
                    let detail = format!("now extends {b}: callers must catch or declare it");
                    self.push(name, None, NowCheckedException, detail);
                }
                if b == object {
                    Some(true)
                } else if a == object {
                    Some(false)
                } else {
                    let chain = hierarchy::superclasses(&self.pool, name);
                    Some(!chain.iter().any(|x| x.name() == a))
                }
            }
            (Some(_), None) => Some(true),
            (None, Some(_)) => Some(false),
            _ => None,
        };
        let (a, b) = (old_super.unwrap_or("(none)"), new_super.unwrap_or("(none)"));
        match removed {
            Some(true) => self.push(
                name,
                None,
                SuperclassRemoved,
                format!("superclass {a} is no longer a superclass (now {b})"),
            ),
            Some(false) => self.push(
                name,
                None,
                SuperclassAdded,
                format!("superclass was {a}, is now {b}"),
            ),
            None => {}
        }
    }

    fn interface_rules(&mut self, name: &str) {
        let (before, after) = self.interfaces(name);
        for gone in before.difference(&after) {
            let detail = format!("no longer implements {gone}");
            self.push(name, None, ChangeKind::InterfaceRemoved, detail);
        }
        for added in after.difference(&before) {
            let detail = format!("now implements {added}");
            self.push(name, None, ChangeKind::InterfaceAdded, detail);
        }
    }
}

/// Annotation types added to or removed from one element (binary and source compatible).
fn annotation_changes(
    old: &[classfile::Annotation],
    new: &[classfile::Annotation],
    mut push: impl FnMut(ChangeKind, String),
) {
    let names = |list: &[classfile::Annotation]| -> BTreeSet<String> {
        list.iter().map(|a| a.type_name.clone()).collect()
    };
    let (before, after) = (names(old), names(new));
    for gone in before.difference(&after) {
        push(ChangeKind::AnnotationRemoved, format!("@{gone} removed"));
    }
    for added in after.difference(&before) {
        push(ChangeKind::AnnotationAdded, format!("@{added} added"));
    }
    for a in old {
        if let Some(b) = new.iter().find(|b| b.type_name == a.type_name)
            && a.elements != b.elements
        {
            let detail = format!("{a} is now {b}");
            push(ChangeKind::AnnotationChanged, detail);
        }
    }
}

mod members;

/// Whether `ancestor` declares (in either version) a method with `p`'s signature:
/// `java.lang.Object`'s methods for a JDK ancestor.
fn declares<'a>(
    members: &HashMap<&'a str, Members<'a>>,
    ancestor: Ancestor<'_>,
    p: &Pair<'_, Method>,
) -> Option<Pair<'a, Method>> {
    match ancestor {
        Ancestor::Here(s) => members
            .get(s)
            .and_then(|m| m.methods.iter().find(|sp| sp.same_signature(p)).copied()),
        Ancestor::Jdk(_) => None,
    }
}

/// Whether the JDK class `class` declares a method with this name and descriptor (as
/// far as the table knows it).
fn jdk_declares(class: &str, name: &str, descriptor: &str) -> bool {
    hierarchy::jdk_methods(class)
        .iter()
        .any(|(n, d, _)| *n == name && *d == descriptor)
}

fn flags_changed(old: u16, new: u16, flag: u16) -> Option<bool> {
    match (old & flag != 0, new & flag != 0) {
        (false, true) => Some(true),
        (true, false) => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::classfile::{Constant, PUBLIC, STATIC};

    fn class(name: &str, super_class: &str, methods: Vec<Method>, fields: Vec<Field>) -> Class {
        Class {
            name: name.into(),
            access: PUBLIC,
            super_class: Some(super_class.into()),
            interfaces: Vec::new(),
            signature: None,
            annotations: Vec::new(),
            fields,
            methods,
        }
    }

    fn method(name: &str, descriptor: &str, access: u16) -> Method {
        Method {
            name: name.into(),
            descriptor: descriptor.into(),
            access,
            signature: None,
            exceptions: Vec::new(),
            annotations: Vec::new(),
        }
    }

    fn constant(name: &str, value: &str) -> Field {
        Field {
            name: name.into(),
            descriptor: "Ljava/lang/String;".into(),
            access: PUBLIC | STATIC | FINAL,
            signature: None,
            constant: Some(Constant::String(value.into())),
            annotations: Vec::new(),
        }
    }

    fn set(classes: Vec<Class>) -> ClassSet {
        ClassSet {
            classes: classes.into_iter().map(|c| (c.name.clone(), c)).collect(),
            ..ClassSet::default()
        }
    }

    fn kinds(changes: &[Change]) -> Vec<(&str, Option<&str>, ChangeKind)> {
        changes
            .iter()
            .map(|c| (c.type_name.as_str(), c.member.as_deref(), c.change))
            .collect()
    }

    #[test]
    fn a_changed_constant_must_be_recompiled_into_consumers() {
        let old = set(vec![class(
            "a.Api",
            "java.lang.Object",
            vec![],
            vec![constant("PREFIX", "/cms")],
        )]);
        let new = set(vec![class(
            "a.Api",
            "java.lang.Object",
            vec![],
            vec![constant("PREFIX", "/api/cms")],
        )]);
        let changes = compare(&old, &new);
        assert_eq!(
            kinds(&changes),
            vec![("a.Api", Some("PREFIX"), ChangeKind::ConstantChanged)]
        );
        assert!(changes[0].binary_compatible && changes[0].source_compatible);
        assert!(
            changes[0].detail.contains("must be recompiled"),
            "{}",
            changes[0].detail
        );
    }

    #[test]
    fn a_method_pulled_up_into_a_superclass_is_not_removed() {
        let run = method("run", "()V", PUBLIC);
        let old = set(vec![
            class("a.Base", "java.lang.Object", vec![], vec![]),
            class("a.Impl", "a.Base", vec![run.clone()], vec![]),
        ]);
        let new = set(vec![
            class("a.Base", "java.lang.Object", vec![run], vec![]),
            class("a.Impl", "a.Base", vec![], vec![]),
        ]);
        let changes = compare(&old, &new);
        assert_eq!(
            kinds(&changes),
            vec![("a.Base", Some("run()"), ChangeKind::MethodAdded)]
        );
    }

    #[test]
    fn a_removed_method_breaks_the_type_and_its_subclasses() {
        let old = set(vec![
            class(
                "a.Base",
                "java.lang.Object",
                vec![method("run", "(I)V", PUBLIC)],
                vec![],
            ),
            class("a.Impl", "a.Base", vec![], vec![]),
        ]);
        let new = set(vec![
            class("a.Base", "java.lang.Object", vec![], vec![]),
            class("a.Impl", "a.Base", vec![], vec![]),
        ]);
        let changes = compare(&old, &new);
        assert_eq!(
            kinds(&changes),
            vec![
                ("a.Base", Some("run(int)"), ChangeKind::MethodRemoved),
                ("a.Impl", None, ChangeKind::MethodRemovedInSuperclass),
            ]
        );
        assert!(changes.iter().all(|c| !c.binary_compatible));
    }

    #[test]
    fn a_covariant_return_with_a_bridge_stays_binary_compatible() {
        let old = set(vec![class(
            "a.It",
            "java.lang.Object",
            vec![method("next", "()Ljava/lang/Object;", PUBLIC)],
            vec![],
        )]);
        let new = set(vec![class(
            "a.It",
            "java.lang.Object",
            vec![
                method("next", "()Ljava/lang/String;", PUBLIC),
                method("next", "()Ljava/lang/Object;", PUBLIC | SYNTHETIC | 0x0040),
            ],
            vec![],
        )]);
        let changes = compare(&old, &new);
        assert_eq!(
            kinds(&changes),
            vec![("a.It", Some("next()"), ChangeKind::MethodReturnTypeChanged)]
        );
        assert!(changes[0].binary_compatible);
    }
}
