//! `${...}` interpolation, in Maven 3's lookup order.
//!
//! It runs on each module's full model after inheritance, so an inherited
//! `${project.version}` takes the child's version. Lookup order (Maven's
//! `AbstractStringBasedModelInterpolator`): `basedir`/`baseUri`; `project.*`/`pom.*` model
//! values; user properties (`-D`, `.mvn/maven.config`); model properties (inherited, with
//! active profiles'); system properties (with `env.*`); unprefixed model fields, the
//! deprecated `${version}` form. An undefined expression stays as it is; a recursive one is
//! an error naming the cycle.
//!
//! One deliberate difference: `${maven.build.timestamp}` is left as written. Substituting
//! the clock would make every fingerprint differ on every run; the expression itself is
//! what the sources say.

use crate::FastMap;
use crate::maven::pom::{Model, text};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::Path;

/// The most text that expanding expressions may produce for one module's model, all its
/// values together. Real POMs stay far below a megabyte; properties that each repeat the
/// one below ten times (a "billion laughs" in properties) would otherwise grow
/// exponentially and exhaust time and memory.
pub const MAX_EXPANSION: usize = 32 << 20;

/// What `${...}` expressions can see for one module.
pub struct Interpolator<'a> {
    /// The module's directory.
    pub basedir: &'a Path,
    /// The merged (inherited, profile-injected), not yet interpolated model.
    pub model: &'a Model,
    /// `-D` and `.mvn/maven.config` properties.
    pub user: &'a BTreeMap<String, String>,
    /// System properties as Maven sees them, including `env.*`.
    pub system: &'a BTreeMap<String, String>,
    /// Bytes produced by expansions so far, against [`MAX_EXPANSION`].
    expanded: Cell<usize>,
    /// Each expression expands the same wherever it occurs in the module's model, so it
    /// is expanded once: nested repetitions cost their output, not their fan-out, and a
    /// `${project.version}` used by fifty managed dependencies is looked up once. With
    /// each expansion, the undefined expressions met inside it.
    memo: RefCell<FastMap<String, Expansion>>,
    /// Model fields beyond the ones [`Model`] has (`project.url`, `project.scm.url`,
    /// ...), for the full effective model ([`crate::maven::effective`]).
    more_fields: Option<&'a FieldLookup<'a>>,
}

/// Looks up a model field by its path after `project.`.
pub type FieldLookup<'a> = dyn Fn(&str) -> Option<String> + 'a;

/// A memoized expansion.
struct Expansion {
    text: String,
    undefined: Vec<String>,
}

/// One text being expanded: the expression it is the value of (none for the text asked
/// for), the raw text, how far it has been read, and what it expanded to so far.
struct Frame {
    expr: Option<String>,
    raw: String,
    read: usize,
    out: String,
    undefined: Vec<String>,
}

impl Frame {
    fn new(expr: Option<String>, raw: String) -> Frame {
        Frame {
            expr,
            out: String::with_capacity(raw.len()),
            raw,
            read: 0,
            undefined: Vec::new(),
        }
    }

    /// Copies the text up to the next `${...}` into `out` and returns the expression;
    /// `None` when the rest is plain text (copied too). A `${` without its `}` is text.
    fn next_expression(&mut self) -> Option<String> {
        let rest = &self.raw[self.read..];
        let Some(start) = rest.find("${") else {
            self.out.push_str(rest);
            self.read = self.raw.len();
            return None;
        };
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            self.out.push_str(rest);
            self.read = self.raw.len();
            return None;
        };
        self.out.push_str(&rest[..start]);
        let expr = after[..end].to_string();
        self.read += start + 2 + end + 1;
        Some(expr)
    }
}

/// Adds an expression that nothing defines to `undefined`, once (the build timestamp,
/// kept symbolic on purpose, is not "undefined").
fn note_undefined(undefined: &mut Vec<String>, expr: &str) {
    if expr != "maven.build.timestamp" && !undefined.iter().any(|u| u == expr) {
        undefined.push(expr.to_string());
    }
}

/// Why a text cannot be interpolated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolationError {
    /// A property defined in terms of itself.
    Recursion(Recursion),
    /// Expanding the expressions would produce more than [`MAX_EXPANSION`] bytes.
    TooLarge {
        /// The expression whose expansion crossed the limit.
        expression: String,
    },
}

/// A property defined in terms of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recursion {
    /// The expressions of the cycle, the first repeated at the end, like Maven's
    /// `[a, b, a]`.
    pub cycle: Vec<String>,
}

/// The outcome of interpolating one text.
#[derive(Debug, Default)]
pub struct Interpolated {
    /// The text with every resolvable expression replaced.
    pub text: String,
    /// Expressions that nothing defines (left as written).
    pub undefined: Vec<String>,
}

impl<'a> Interpolator<'a> {
    /// An interpolator for one module's model.
    pub fn new(
        basedir: &'a Path,
        model: &'a Model,
        user: &'a BTreeMap<String, String>,
        system: &'a BTreeMap<String, String>,
    ) -> Self {
        Interpolator {
            basedir,
            model,
            user,
            system,
            expanded: Cell::new(0),
            memo: RefCell::new(FastMap::default()),
            more_fields: None,
        }
    }

    /// Also resolves `project.*` paths the typed [`Model`] does not hold with `fields`
    /// (given the path after `project.`), after the ones it holds.
    pub fn with_more_fields(mut self, fields: &'a FieldLookup<'a>) -> Self {
        self.more_fields = Some(fields);
        self
    }

    /// Interpolates one text.
    ///
    /// Iterative, with an explicit stack of the expressions being expanded: a chain of
    /// properties each defined by the next (`p0` = `${p1}`, ... 30,000 deep) costs heap,
    /// not the thread's stack.
    pub fn interpolate(&self, input: &str) -> Result<Interpolated, InterpolationError> {
        let mut frames = vec![Frame::new(None, input.to_string())];
        // Each expression being expanded → its frame, for the cycle check.
        let mut active: FastMap<String, usize> = FastMap::default();
        loop {
            let Some(frame) = frames.last_mut() else {
                return Ok(Interpolated::default());
            };
            match frame.next_expression() {
                Some(expr) => {
                    if let Some(&at) = active.get(&expr) {
                        let mut cycle: Vec<String> =
                            frames[at..].iter().filter_map(|f| f.expr.clone()).collect();
                        cycle.push(expr);
                        return Err(InterpolationError::Recursion(Recursion { cycle }));
                    }
                    if let Some(hit) = self.memo.borrow().get(&expr) {
                        self.spend(hit.text.len(), &expr)?;
                        frame.out.push_str(&hit.text);
                        for u in &hit.undefined {
                            note_undefined(&mut frame.undefined, u);
                        }
                        continue;
                    }
                    match self.lookup(&expr) {
                        Some(raw) => {
                            active.insert(expr.clone(), frames.len());
                            frames.push(Frame::new(Some(expr), raw));
                        }
                        None => {
                            note_undefined(&mut frame.undefined, &expr);
                            frame.out.push_str("${");
                            frame.out.push_str(&expr);
                            frame.out.push('}');
                        }
                    }
                }
                None => {
                    let Some(done) = frames.pop() else {
                        continue;
                    };
                    let Some(expr) = done.expr else {
                        return Ok(Interpolated {
                            text: done.out,
                            undefined: done.undefined,
                        });
                    };
                    active.remove(&expr);
                    self.spend(done.out.len(), &expr)?;
                    if let Some(parent) = frames.last_mut() {
                        parent.out.push_str(&done.out);
                        for u in &done.undefined {
                            note_undefined(&mut parent.undefined, u);
                        }
                    }
                    self.memo.borrow_mut().insert(
                        expr,
                        Expansion {
                            text: done.out,
                            undefined: done.undefined,
                        },
                    );
                }
            }
        }
    }

    /// Counts `bytes` of expanded text against [`MAX_EXPANSION`].
    fn spend(&self, bytes: usize, expr: &str) -> Result<(), InterpolationError> {
        let total = self.expanded.get().saturating_add(bytes);
        self.expanded.set(total);
        if total > MAX_EXPANSION {
            return Err(InterpolationError::TooLarge {
                expression: expr.to_string(),
            });
        }
        Ok(())
    }

    /// The raw (uninterpolated) value of an expression, in Maven's order.
    fn lookup(&self, expr: &str) -> Option<String> {
        let prefixed = expr
            .strip_prefix("project.")
            .or_else(|| expr.strip_prefix("pom."));
        if matches!(expr, "basedir" | "project.basedir" | "pom.basedir") {
            return Some(self.basedir.display().to_string());
        }
        if matches!(expr, "baseUri" | "project.baseUri" | "pom.baseUri") {
            return Some(format!("file://{}/", self.basedir.display()));
        }
        if expr == "maven.build.timestamp" {
            return None;
        }
        if let Some(field) = prefixed
            && let Some(v) = self.field(field)
        {
            return Some(v);
        }
        if let Some(v) = self.user.get(expr) {
            return Some(v.clone());
        }
        if let Some(v) = self.model.properties.get(expr) {
            return Some(v.text.clone());
        }
        if let Some(v) = self.system.get(expr) {
            return Some(v.clone());
        }
        if prefixed.is_none() {
            return self.field(expr);
        }
        None
    }

    /// A model field by its path, as Maven's reflection-based lookup finds it.
    fn field(&self, path: &str) -> Option<String> {
        let m = self.model;
        let v = match path {
            "groupId" => text(&m.group_id),
            "artifactId" => text(&m.artifact_id),
            "version" => text(&m.version),
            "packaging" => Some(text(&m.packaging).unwrap_or("jar")),
            "name" => text(&m.name),
            "prerequisites.maven" => text(&m.prerequisites_maven),
            "build.directory" => text(&m.build.directory),
            "build.outputDirectory" => text(&m.build.output_directory),
            "build.sourceDirectory" => text(&m.build.source_directory),
            "build.finalName" => text(&m.build.final_name),
            "parent.groupId" => m.parent.as_ref().and_then(|p| text(&p.group_id)),
            "parent.artifactId" => m.parent.as_ref().and_then(|p| text(&p.artifact_id)),
            "parent.version" => m.parent.as_ref().and_then(|p| text(&p.version)),
            "parent.relativePath" => m
                .parent
                .as_ref()
                .map(|p| text(&p.relative_path).unwrap_or("../pom.xml")),
            _ => None,
        };
        v.map(str::to_owned)
            .or_else(|| self.more_fields.and_then(|f| f(path)))
    }
}

/// The expressions of a text, as the interpolators read them: each `${` to the next `}`.
pub(crate) fn expressions(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("${")?;
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        rest = &after[end + 1..];
        Some(&after[..end])
    })
}

/// What [`expand_simple`] does with a `${name}` that refers to itself through others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnCycle {
    /// Fail with the cycle (`[a, b, a]`).
    Fail,
    /// Leave the expression as written, as plexus' `RegexBasedInterpolator` does.
    KeepLiteral,
}

/// A plain `${name}` expander for the places Maven interpolates outside the model (file
/// activation paths, settings values): each resolvable name is replaced by its value,
/// itself expanded; an unresolved one stays as written. Iterative, like
/// [`Interpolator::interpolate`], so a long chain of names costs no stack.
pub fn expand_simple(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    on_cycle: OnCycle,
) -> Result<String, Vec<String>> {
    let mut frames = vec![Frame::new(None, text.to_string())];
    let mut active: FastMap<String, ()> = FastMap::default();
    loop {
        let Some(next) = frames.last_mut().map(Frame::next_expression) else {
            return Ok(String::new());
        };
        let Some(name) = next else {
            let Some(done) = frames.pop() else {
                continue;
            };
            if let Some(name) = &done.expr {
                active.remove(name);
            }
            match frames.last_mut() {
                Some(parent) => parent.out.push_str(&done.out),
                None => return Ok(done.out),
            }
            continue;
        };
        let cyclic = active.contains_key(&name);
        if cyclic && on_cycle == OnCycle::Fail {
            let mut cycle: Vec<String> = frames.iter().filter_map(|f| f.expr.clone()).collect();
            cycle.push(name);
            return Err(cycle);
        }
        match lookup(&name).filter(|_| !cyclic) {
            Some(value) => {
                active.insert(name.clone(), ());
                frames.push(Frame::new(Some(name), value));
            }
            None => {
                if let Some(frame) = frames.last_mut() {
                    frame.out.push_str("${");
                    frame.out.push_str(&name);
                    frame.out.push('}');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maven::pom::{SourceId, parse_model};

    fn model(xml: &str) -> Model {
        parse_model(xml, SourceId(0)).unwrap()
    }

    fn interp(
        m: &Model,
        user: &[(&str, &str)],
        s: &str,
    ) -> Result<Interpolated, InterpolationError> {
        let user: BTreeMap<String, String> = user
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let system = BTreeMap::from([("env.HOME".to_string(), "/home/x".to_string())]);
        Interpolator::new(Path::new("/w/m"), m, &user, &system).interpolate(s)
    }

    #[test]
    fn expressions_are_listed_as_the_interpolator_reads_them() {
        let found: Vec<&str> = expressions("a${x}b${y.z}${}${unclosed").collect();
        assert_eq!(found, ["x", "y.z", ""]);
    }

    #[test]
    fn an_expansion_reused_from_the_memo_still_reports_what_it_left_undefined() {
        let m = model("<project><properties><a>x-${nowhere}</a><b>${a}</b></properties></project>");
        let user = BTreeMap::new();
        let system = BTreeMap::new();
        let interpolator = Interpolator::new(Path::new("/w/m"), &m, &user, &system);
        let first = interpolator.interpolate("${b}").unwrap();
        assert_eq!(first.text, "x-${nowhere}");
        assert_eq!(first.undefined, ["nowhere"]);
        // `a` and `b` now come from the memo: same text, same report.
        for text in ["${a}", "${b}/${a}"] {
            let again = interpolator.interpolate(text).unwrap();
            assert!(again.text.starts_with("x-${nowhere}"));
            assert_eq!(again.undefined, ["nowhere"], "for {text}");
        }
    }

    #[test]
    fn lookup_order_follows_maven() {
        let m = model(
            "<project><groupId>g</groupId><artifactId>a</artifactId><version>${revision}</version>\
             <properties><revision>1.0</revision><x>model</x><project.version>shadow</project.version>\
             </properties></project>",
        );
        // project.* comes first and cannot be shadowed by a property of that name.
        assert_eq!(interp(&m, &[], "${project.version}").unwrap().text, "1.0");
        // -D beats the model's properties.
        assert_eq!(
            interp(&m, &[("revision", "2.0")], "${project.version}")
                .unwrap()
                .text,
            "2.0"
        );
        assert_eq!(interp(&m, &[], "${x}").unwrap().text, "model");
        assert_eq!(interp(&m, &[], "${pom.artifactId}").unwrap().text, "a");
        assert_eq!(interp(&m, &[], "${version}").unwrap().text, "1.0");
        assert_eq!(interp(&m, &[], "${basedir}/src").unwrap().text, "/w/m/src");
        assert_eq!(interp(&m, &[], "${env.HOME}").unwrap().text, "/home/x");
    }

    #[test]
    fn prerequisites_maven_is_a_model_field() {
        let m = model("<project><prerequisites><maven>3.6.3</maven></prerequisites></project>");
        let r = interp(&m, &[], "${project.prerequisites.maven}").unwrap();
        assert_eq!(r.text, "3.6.3");
        assert!(r.undefined.is_empty());
    }

    #[test]
    fn undefined_stays_literal_and_is_reported() {
        let m = model("<project/>");
        let r = interp(&m, &[], "a-${nope}-b").unwrap();
        assert_eq!(r.text, "a-${nope}-b");
        assert_eq!(r.undefined, vec!["nope".to_string()]);
    }

    #[test]
    fn recursion_is_an_error_naming_the_cycle() {
        let m = model("<project><properties><a>${b}</a><b>x${a}</b></properties></project>");
        let err = interp(&m, &[], "${a}").unwrap_err();
        assert_eq!(
            err,
            InterpolationError::Recursion(Recursion {
                cycle: vec!["a".into(), "b".into(), "a".into()]
            })
        );
    }

    /// Each level repeats the one below ten times: 10^12 bytes if expanded naively.
    fn laughs(leaf: &str) -> Model {
        let mut props = format!("<l0>{leaf}</l0>");
        for i in 1..=12 {
            props.push_str(&format!(
                "<l{i}>{}</l{i}>",
                format!("${{l{}}}", i - 1).repeat(10)
            ));
        }
        model(&format!(
            "<project><properties>{props}</properties></project>"
        ))
    }

    #[test]
    fn exponential_properties_are_refused_quickly() {
        let started = std::time::Instant::now();
        let err = interp(&laughs("lol"), &[], "${l12}").unwrap_err();
        assert!(
            matches!(&err, InterpolationError::TooLarge { expression } if expression.starts_with('l')),
            "{err:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn exponential_properties_that_expand_to_nothing_are_cheap() {
        // No output, so no budget spent: only the memo keeps this from taking 10^12 steps.
        let r = interp(&laughs(""), &[], "a${l12}b").unwrap();
        assert_eq!(r.text, "ab");
    }

    /// Issue 11: `p0` = `${p1}`, ..., `p29999` = `${p30000}` overflowed the stack (exit
    /// 134). Expanded on the heap now, with Maven's result, and a cycle at the far end
    /// is still the cycle error.
    #[test]
    fn a_chain_of_thirty_thousand_properties_needs_no_stack() {
        const N: usize = 30_000;
        let mut props = String::new();
        for i in 0..N {
            props.push_str(&format!("<p{i}>${{p{}}}</p{i}>", i + 1));
        }
        let ended = model(&format!(
            "<project><properties>{props}<p{N}>end</p{N}></properties></project>"
        ));
        let r = interp(&ended, &[], "v-${p0}").unwrap();
        assert_eq!(r.text, "v-end");
        let cyclic = model(&format!(
            "<project><properties>{props}<p{N}>${{p0}}</p{N}></properties></project>"
        ));
        match interp(&cyclic, &[], "${p0}").unwrap_err() {
            InterpolationError::Recursion(Recursion { cycle }) => {
                assert_eq!(cycle.len(), N + 2);
                assert_eq!((cycle[0].as_str(), cycle[N + 1].as_str()), ("p0", "p0"));
            }
            other => panic!("{other:?}"),
        }
        let lookup = |n: &str| {
            let i: usize = n.strip_prefix('p')?.parse().ok()?;
            Some(if i == N {
                "end".to_string()
            } else {
                format!("${{p{}}}", i + 1)
            })
        };
        assert_eq!(
            expand_simple("${p0}", &lookup, OnCycle::Fail).unwrap(),
            "end"
        );
    }

    #[test]
    fn build_timestamp_is_kept_symbolic() {
        let m = model("<project/>");
        let r = interp(&m, &[], "${maven.build.timestamp}").unwrap();
        assert_eq!(r.text, "${maven.build.timestamp}");
        assert!(r.undefined.is_empty());
    }

    #[test]
    fn simple_expansion_for_settings_and_file_activation() {
        let lookup = |n: &str| match n {
            "home" => Some("/home/${user}".to_string()),
            "user" => Some("me".to_string()),
            "a" => Some("${b}".to_string()),
            "b" => Some("${a}".to_string()),
            _ => None,
        };
        assert_eq!(
            expand_simple("${home}/x/${nope}", &lookup, OnCycle::Fail).unwrap(),
            "/home/me/x/${nope}"
        );
        assert_eq!(
            expand_simple("${a}", &lookup, OnCycle::Fail).unwrap_err(),
            vec!["a", "b", "a"]
        );
        assert_eq!(
            expand_simple("${a}", &lookup, OnCycle::KeepLiteral).unwrap(),
            "${a}"
        );
    }
}
