//! The rules for members: methods, constructors and fields of a type present in both
//! versions, and members removed from its superclasses.

use super::{Comparison, Members, Pair, declares, flags_changed, jdk_declares, kind_of, level};
use crate::api::classfile::{
    self, ABSTRACT, Access, Class, FINAL, INTERFACE, Method, STATIC, VARARGS,
};
use crate::api::diff::ChangeKind::{self, *};
use crate::api::hierarchy::{self, Ancestor};
use std::collections::BTreeSet;

impl<'a> Comparison<'a> {
    fn methods_of(&self, name: &str) -> Vec<Pair<'a, Method>> {
        self.members
            .get(name)
            .map(|m| m.methods.clone())
            .unwrap_or_default()
    }

    pub(super) fn method_rules(&mut self, name: &'a str, o: &Class, n: &Class) {
        for p in self.methods_of(name) {
            let is_ctor = p.any().is_some_and(Method::is_constructor);
            if is_ctor {
                self.constructor_rules(name, o, &p);
                continue;
            }
            if !self.method_in_api(name, &p) {
                continue;
            }
            match (p.old, p.new) {
                (Some(_), None) => self.method_removed(name, &p),
                (None, Some(nm)) => self.method_added(name, n, &p, nm),
                (Some(om), Some(nm)) => self.method_changed(name, o, n, &p, om, nm),
                (None, None) => {}
            }
        }
    }

    fn constructor_rules(&mut self, name: &str, o: &Class, p: &Pair<'_, Method>) {
        let visible = [p.old, p.new]
            .iter()
            .flatten()
            .any(|m| level(m.access) >= Access::Protected);
        let synthetic = [p.old, p.new]
            .iter()
            .flatten()
            .any(|m| m.access & classfile::SYNTHETIC != 0);
        if !visible || synthetic {
            return;
        }
        let label = Some(p.label());
        match (p.old, p.new) {
            (Some(om), None) => {
                let detail = format!("{} constructor was removed", level(om.access));
                self.push(name, label, ConstructorRemoved, detail);
            }
            (None, Some(nm)) => {
                let detail = format!("{} constructor was added", level(nm.access));
                self.push(name, label, ConstructorAdded, detail);
            }
            (Some(om), Some(nm)) => {
                let class_final = self.new.get(name).is_some_and(|c| c.access & FINAL != 0);
                let narrowed = level(nm.access) < level(om.access);
                if narrowed && (!class_final || level(om.access) == Access::Public) {
                    let detail = format!("was {}, is now {}", level(om.access), level(nm.access));
                    self.push(name, label, ConstructorLessAccessible, detail);
                }
            }
            (None, None) => {}
        }
        let _ = o;
    }

    /// A method gone from the type: removed unless a superclass or an implemented
    /// interface still declares it (then it was pulled up).
    fn method_removed(&mut self, name: &'a str, p: &Pair<'a, Method>) {
        let chain = hierarchy::superclasses(&self.pool, name);
        for ancestor in &chain {
            if let Some(sp) = declares(&self.members, *ancestor, p) {
                let was_final = p.old.is_some_and(|m| m.access & FINAL != 0);
                let now_final = sp.new.is_some_and(|m| m.access & FINAL != 0);
                if !was_final && now_final {
                    let detail = format!("moved to {} and made final there", ancestor.name());
                    self.push(name, Some(p.label()), MethodNowFinal, detail);
                }
                return;
            }
            if let (Ancestor::Jdk(class), Some(om)) = (ancestor, p.old)
                && jdk_declares(class, &om.name, &om.descriptor)
            {
                return;
            }
        }
        let (mut interfaces, after) = self.interfaces(name);
        interfaces.extend(after);
        for interface in &interfaces {
            if declares(&self.members, Ancestor::Here(interface), p).is_some() {
                return;
            }
        }
        let access = p.old.map(|m| level(m.access)).unwrap_or(Access::Public);
        let detail = format!("{access} method was removed");
        self.push(name, Some(p.label()), MethodRemoved, detail);
    }

    fn method_added(&mut self, name: &'a str, n: &Class, p: &Pair<'a, Method>, nm: &Method) {
        let label = Some(p.label());
        let is_abstract = nm.access & ABSTRACT != 0;
        let (mut interfaces, after) = self.interfaces(name);
        interfaces.extend(after);
        let declared_before = interfaces.iter().any(|i| {
            declares(&self.members, Ancestor::Here(i), p).is_some_and(|sp| sp.old.is_some())
        });
        if n.access & INTERFACE != 0 {
            if is_abstract && !declared_before {
                let detail = "abstract method added to an interface: implementations must add it";
                self.push(name, label, MethodAddedToInterface, detail.into());
            } else {
                self.push(
                    name,
                    label,
                    MethodAdded,
                    format!("{} method added", kind_of(n)),
                );
            }
            return;
        }
        let chain = hierarchy::superclasses(&self.pool, name);
        let overrides_abstract = chain.iter().any(|a| {
            declares(&self.members, *a, p).is_some_and(|sp| sp.is_abstract() && sp.old.is_some())
        });
        if is_abstract && !overrides_abstract && !declared_before {
            let detail = "abstract method added: subclasses must implement it";
            self.push(name, label.clone(), AbstractMethodAdded, detail.into());
        } else {
            let detail = format!("{} method added", level(nm.access));
            self.push(name, label.clone(), MethodAdded, detail);
        }
        for ancestor in &chain {
            let Some(sp) = declares(&self.members, *ancestor, p) else {
                continue;
            };
            let Some(sm) = sp.new else { continue };
            if level(sm.access) > level(nm.access) {
                let detail = format!(
                    "{} here, but {} in superclass {}",
                    level(nm.access),
                    level(sm.access),
                    ancestor.name()
                );
                self.push(
                    name,
                    label.clone(),
                    MethodLessAccessibleThanInSuperclass,
                    detail,
                );
            }
            if sm.access & STATIC == 0 && nm.access & STATIC != 0 {
                let detail = format!("static, hiding an instance method of {}", ancestor.name());
                self.push(name, label.clone(), MethodStaticOverridesInstance, detail);
            }
        }
    }

    fn method_changed(
        &mut self,
        name: &str,
        o: &Class,
        n: &Class,
        p: &Pair<'_, Method>,
        om: &Method,
        nm: &Method,
    ) {
        let label = || Some(p.label());
        let (was, now) = (level(om.access), level(nm.access));
        if now < was {
            self.push(
                name,
                label(),
                MethodLessAccessible,
                format!("was {was}, is now {now}"),
            );
        }
        if om.return_type() != nm.return_type() {
            let detail = format!(
                "returned {}, now returns {}",
                classfile::java_type(om.return_type()),
                classfile::java_type(nm.return_type())
            );
            // A bridge with the old descriptor (a covariant return) keeps old callers
            // linking, and so does wider access (japicmp 0.27 judges both compatible).
            let bridged = n.methods.iter().any(|m| {
                m.access & classfile::SYNTHETIC != 0
                    && m.name == om.name
                    && m.descriptor == om.descriptor
            });
            let wider = now > was || bridged;
            self.push(name, label(), MethodReturnTypeChanged, detail);
            if wider && let Some(last) = self.out.last_mut() {
                last.binary_compatible = true;
                last.source_compatible = true;
            }
        }
        let interface = n.access & INTERFACE != 0;
        match flags_changed(om.access, nm.access, ABSTRACT) {
            Some(true) => self.push(name, label(), MethodNowAbstract, "now abstract".into()),
            Some(false) if interface => {
                let detail = "abstract method now has a default implementation";
                self.push(name, label(), MethodAbstractNowDefault, detail.into());
            }
            _ => {}
        }
        if flags_changed(om.access, nm.access, FINAL) == Some(true)
            && o.access & FINAL == 0
            && om.access & STATIC == 0
        {
            self.push(name, label(), MethodNowFinal, "now final".into());
        }
        match flags_changed(om.access, nm.access, STATIC) {
            Some(true) => self.push(name, label(), MethodNowStatic, "now static".into()),
            Some(false) => self.push(
                name,
                label(),
                MethodNoLongerStatic,
                "no longer static".into(),
            ),
            None => {}
        }
        if flags_changed(om.access, nm.access, VARARGS) == Some(false) {
            self.push(
                name,
                label(),
                MethodNoLongerVarargs,
                "no longer varargs".into(),
            );
        }
        self.exception_rules(name, p, om, nm);
        if om.signature != nm.signature && om.signature.is_some() && nm.signature.is_some() {
            let detail = format!(
                "generic signature {} is now {}",
                om.signature.as_deref().unwrap_or(""),
                nm.signature.as_deref().unwrap_or("")
            );
            self.push(name, label(), GenericsChanged, detail);
        }
        super::annotation_changes(&om.annotations, &nm.annotations, |kind, detail| {
            self.push(name, label(), kind, detail)
        });
    }

    fn exception_rules(&mut self, name: &str, p: &Pair<'_, Method>, om: &Method, nm: &Method) {
        let before: BTreeSet<&String> = om.exceptions.iter().collect();
        let after: BTreeSet<&String> = nm.exceptions.iter().collect();
        for added in after.difference(&before) {
            if hierarchy::is_checked_exception(&self.pool, added) {
                let detail = format!("now throws checked {added}");
                self.push(name, Some(p.label()), CheckedExceptionAdded, detail);
            }
        }
        for gone in before.difference(&after) {
            if hierarchy::is_checked_exception(&self.pool, gone) {
                let detail = format!(
                    "no longer throws checked {gone}: callers' catch blocks no longer compile"
                );
                self.push(name, Some(p.label()), CheckedExceptionRemoved, detail);
            }
        }
    }

    pub(super) fn field_rules(&mut self, name: &'a str) {
        let fields = self
            .members
            .get(name)
            .map(|m| m.fields.clone())
            .unwrap_or_default();
        let chain = hierarchy::superclasses(&self.pool, name);
        for p in fields {
            if !self.field_in_api(name, &p) {
                continue;
            }
            let label = Some(p.field_name().to_string());
            match (p.old, p.new) {
                (Some(of), None) => {
                    let moved = chain.iter().any(|a| match a {
                        Ancestor::Here(s) => self.members.get(s).is_some_and(|m| {
                            m.fields.iter().any(|sf| {
                                sf.field_name() == p.field_name()
                                    && sf.same_type(&p)
                                    && self.field_in_api(s, sf)
                            })
                        }),
                        Ancestor::Jdk(_) => false,
                    });
                    if !moved {
                        let detail = format!("{} field was removed", level(of.access));
                        self.push(name, label, FieldRemoved, detail);
                    }
                }
                (None, Some(nf)) => self.field_added(name, &chain, &p, nf),
                (Some(of), Some(nf)) => self.field_changed(name, of, nf),
                (None, None) => {}
            }
        }
    }

    fn field_added(
        &mut self,
        name: &str,
        chain: &[Ancestor<'_>],
        p: &Pair<'_, classfile::Field>,
        nf: &classfile::Field,
    ) {
        let label = Some(p.field_name().to_string());
        self.push(
            name,
            label.clone(),
            FieldAdded,
            format!("{} field added", level(nf.access)),
        );
        for ancestor in chain {
            let Ancestor::Here(s) = ancestor else {
                continue;
            };
            let Some(members) = self.members.get(s) else {
                continue;
            };
            let hidden: Vec<_> = members
                .fields
                .iter()
                .filter(|sf| {
                    sf.field_name() == p.field_name() && sf.same_type(p) && sf.old.is_some()
                })
                .filter_map(|sf| sf.new)
                .cloned()
                .collect();
            for sf in hidden {
                if sf.access & STATIC != 0 && nf.access & STATIC != 0 {
                    let detail = format!("static, hiding static {}.{}", s, sf.name);
                    self.push(name, label.clone(), FieldStaticHidesStatic, detail);
                }
                if level(nf.access) < level(sf.access) {
                    let detail = format!(
                        "{} here, {} in superclass {s}",
                        level(nf.access),
                        level(sf.access)
                    );
                    self.push(
                        name,
                        label.clone(),
                        FieldLessAccessibleThanInSuperclass,
                        detail,
                    );
                }
            }
        }
    }

    fn field_changed(&mut self, name: &str, of: &classfile::Field, nf: &classfile::Field) {
        let label = || Some(of.name.clone());
        let (was, now) = (level(of.access), level(nf.access));
        if now < was {
            self.push(
                name,
                label(),
                FieldLessAccessible,
                format!("was {was}, is now {now}"),
            );
        }
        if flags_changed(of.access, nf.access, FINAL) == Some(true) {
            self.push(name, label(), FieldNowFinal, "now final".into());
        }
        match flags_changed(of.access, nf.access, STATIC) {
            Some(true) => self.push(name, label(), FieldNowStatic, "now static".into()),
            Some(false) => self.push(
                name,
                label(),
                FieldNoLongerStatic,
                "no longer static".into(),
            ),
            None => {}
        }
        if of.descriptor != nf.descriptor {
            let detail = format!(
                "type was {}, is now {}",
                classfile::java_type(&of.descriptor),
                classfile::java_type(&nf.descriptor)
            );
            self.push(name, label(), FieldTypeChanged, detail);
        } else if of.signature != nf.signature && of.signature.is_some() && nf.signature.is_some() {
            let detail = "generic type changed".to_string();
            self.push(name, label(), GenericsChanged, detail);
        }
        if let Some(old_value) = &of.constant
            && nf.constant.as_ref() != Some(old_value)
        {
            let new_value = nf
                .constant
                .as_ref()
                .map_or("no longer a constant".to_string(), |v| v.to_string());
            let detail = format!(
                "compile-time constant {old_value} is now {new_value}: inlined into consumers, they must be recompiled"
            );
            self.push(name, label(), ChangeKind::ConstantChanged, detail);
        }
    }

    /// japicmp's METHOD_REMOVED_IN_SUPERCLASS and FIELD_REMOVED_IN_SUPERCLASS: a member a
    /// superclass no longer has, that neither this type nor a class between declares.
    pub(super) fn removed_in_superclasses(&mut self, name: &'a str) {
        let Some(own) = self.members.get(name) else {
            return;
        };
        let mut implemented: Vec<Pair<'a, Method>> = own
            .methods
            .iter()
            .filter(|p| !p.is_abstract() && !p.is_removed() && self.method_in_api(name, p))
            .copied()
            .collect();
        let mut fields: Vec<Pair<'a, classfile::Field>> = own
            .fields
            .iter()
            .filter(|p| p.new.is_some() && self.field_in_api(name, p))
            .copied()
            .collect();
        let mut removed_methods: Vec<Pair<'a, Method>> = Vec::new();
        let mut removed_fields: Vec<Pair<'a, classfile::Field>> = Vec::new();
        for ancestor in hierarchy::superclasses(&self.pool, name) {
            let s = match ancestor {
                Ancestor::Here(s) => s,
                Ancestor::Jdk(class) => {
                    removed_methods.retain(|r| {
                        !r.old
                            .is_some_and(|m| jdk_declares(class, &m.name, &m.descriptor))
                    });
                    continue;
                }
            };
            let Some(sm) = self.members.get(s) else {
                continue;
            };
            self.scan_superclass(
                s,
                sm,
                &mut implemented,
                &mut fields,
                &mut removed_methods,
                &mut removed_fields,
            );
        }
        if !removed_methods.is_empty() {
            let names: Vec<String> = removed_methods.iter().map(Pair::label).collect();
            let detail = format!(
                "inherited methods removed from a superclass: {}",
                names.join(", ")
            );
            self.push(name, None, MethodRemovedInSuperclass, detail);
        }
        if !removed_fields.is_empty() {
            let names: Vec<&str> = removed_fields.iter().map(Pair::field_name).collect();
            let detail = format!(
                "inherited fields removed from a superclass: {}",
                names.join(", ")
            );
            self.push(name, None, FieldRemovedInSuperclass, detail);
        }
    }

    fn scan_superclass(
        &self,
        s: &'a str,
        sm: &Members<'a>,
        implemented: &mut Vec<Pair<'a, Method>>,
        fields: &mut Vec<Pair<'a, classfile::Field>>,
        removed_methods: &mut Vec<Pair<'a, Method>>,
        removed_fields: &mut Vec<Pair<'a, classfile::Field>>,
    ) {
        let methods: Vec<&Pair<'a, Method>> = sm
            .methods
            .iter()
            .filter(|p| !p.any().is_some_and(Method::is_constructor))
            .collect();
        for p in &methods {
            if !p.is_abstract() && !p.is_removed() && self.method_in_api(s, p) {
                implemented.push(**p);
            }
            removed_methods.retain(|r| !p.same_signature(r));
        }
        for f in &sm.fields {
            if f.new.is_some() && self.field_in_api(s, f) {
                fields.push(*f);
            }
            removed_fields.retain(|r| !(f.field_name() == r.field_name() && f.same_type(r)));
        }
        for p in &methods {
            if self.method_in_api(s, p)
                && p.is_removed()
                && !self.is_implemented(p, s)
                && !implemented.iter().any(|i| i.same_signature(p))
            {
                removed_methods.push(**p);
            }
        }
        for f in &sm.fields {
            if self.field_in_api(s, f)
                && f.new.is_none()
                && !fields
                    .iter()
                    .any(|x| x.field_name() == f.field_name() && x.same_type(f))
            {
                removed_fields.push(*f);
            }
        }
    }

    /// japicmp's `isImplemented`: `s` or one of its superclasses has a concrete method
    /// with the same name and parameters.
    fn is_implemented(&self, p: &Pair<'_, Method>, s: &'a str) -> bool {
        let mut classes = vec![Ancestor::Here(s)];
        classes.extend(hierarchy::superclasses(&self.pool, s));
        classes.iter().any(|a| match a {
            Ancestor::Here(c) => self.members.get(c).is_some_and(|m| {
                m.methods.iter().any(|x| {
                    x.name() == p.name()
                        && x.params() == p.params()
                        && !x.is_abstract()
                        && !x.is_removed()
                        && self.method_in_api(c, x)
                })
            }),
            Ancestor::Jdk(class) => p.old.is_some_and(|m| {
                hierarchy::jdk_methods(class)
                    .iter()
                    .any(|(n, d, is_abstract)| {
                        *n == m.name && !is_abstract && d.starts_with(m.parameters())
                    })
            }),
        })
    }
}
