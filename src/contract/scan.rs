//! The REST endpoints that compiled classes declare: Spring MVC, JAX-RS, ServiceComb.
//!
//! Annotations are looked up as the frameworks look them up at run time: on the class
//! and the method first, then on the interfaces it implements and its superclasses (the
//! xuecheng services implement `*ControllerApi` interfaces that carry the mappings).
//! javac has already inlined constants such as `API_PREFIX` into the annotation values.

use super::{Endpoint, Framework};
use crate::api::archive::ClassSet;
use crate::api::classfile::method_label;
use crate::api::classfile::{
    ABSTRACT, Annotation, Class, INTERFACE, Method, PUBLIC, STATIC, SYNTHETIC,
};

const SPRING: &str = "org.springframework.web.bind.annotation.";
const SPRING_CONTROLLERS: [&str; 2] = [
    "org.springframework.stereotype.Controller",
    "org.springframework.web.bind.annotation.RestController",
];
const REST_SCHEMA: &str = "org.apache.servicecomb.provider.rest.common.RestSchema";
const RPC_SCHEMA: &str = "org.apache.servicecomb.provider.pojo.RpcSchema";
const JAXRS: [&str; 2] = ["javax.ws.rs.", "jakarta.ws.rs."];
const HTTP_METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// The bound on walks up a class hierarchy (a crafted jar may hold a cycle).
const MAX_DEPTH: usize = 64;

/// Classes looked up by name across the module and its classpath.
pub struct Classpath<'a> {
    /// The module's own classes, whose endpoints are listed.
    pub own: &'a ClassSet,
    /// Libraries: where inherited annotations may come from.
    pub libraries: &'a [ClassSet],
}

impl<'a> Classpath<'a> {
    fn get(&self, name: &str) -> Option<&'a Class> {
        self.own
            .get(name)
            .or_else(|| self.libraries.iter().find_map(|l| l.get(name)))
    }

    /// The class and its supertypes, nearest first: superclasses, then interfaces.
    fn lineage(&self, class: &'a Class) -> Vec<&'a Class> {
        let mut out = vec![class];
        let mut i = 0;
        while i < out.len() && out.len() < MAX_DEPTH {
            let c = out[i];
            let supers = c.super_class.iter().chain(&c.interfaces);
            for s in supers {
                if let Some(sc) = self.get(s)
                    && !out.iter().any(|o| o.name == sc.name)
                {
                    out.push(sc);
                }
            }
            i += 1;
        }
        out
    }
}

fn find<'c>(annotations: &'c [Annotation], name: &str) -> Option<&'c Annotation> {
    annotations.iter().find(|a| a.type_name == name)
}

/// The endpoints of every concrete class of `cp.own`.
pub fn endpoints(cp: &Classpath<'_>) -> Vec<Endpoint> {
    let mut out = Vec::new();
    for class in cp.own.classes.values() {
        if class.access & (INTERFACE | ABSTRACT) != 0 {
            continue;
        }
        let lineage = cp.lineage(class);
        let annotated = |name: &str| lineage.iter().any(|c| find(&c.annotations, name).is_some());
        if let Some(rpc) = find(&class.annotations, RPC_SCHEMA) {
            out.extend(rpc_endpoints(class, &lineage, rpc));
        } else if SPRING_CONTROLLERS
            .iter()
            .any(|n| find(&class.annotations, n).is_some())
            || find(&class.annotations, REST_SCHEMA).is_some()
                && lineage
                    .iter()
                    .any(|c| spring_mapping(&c.annotations).is_some())
        {
            let framework = if find(&class.annotations, REST_SCHEMA).is_some() {
                Framework::ServicecombRest
            } else {
                Framework::SpringMvc
            };
            out.extend(spring_endpoints(class, &lineage, framework));
        } else if JAXRS.iter().any(|p| annotated(&format!("{p}Path"))) {
            let framework = if find(&class.annotations, REST_SCHEMA).is_some() {
                Framework::ServicecombRest
            } else {
                Framework::JaxRs
            };
            out.extend(jaxrs_endpoints(class, &lineage, framework));
        }
    }
    out
}

/// The public instance methods a class exposes, declared or inherited from its lineage
/// (one per name and descriptor, nearest first).
fn operations<'c>(lineage: &[&'c Class]) -> Vec<(&'c Method, Vec<&'c Method>)> {
    let mut out: Vec<(&Method, Vec<&Method>)> = Vec::new();
    for class in lineage {
        for m in &class.methods {
            if m.is_constructor() || m.access & (STATIC | SYNTHETIC) != 0 || m.access & PUBLIC == 0
            {
                continue;
            }
            match out
                .iter_mut()
                .find(|(first, _)| first.name == m.name && first.descriptor == m.descriptor)
            {
                Some((_, declarations)) => declarations.push(m),
                None => out.push((m, vec![m])),
            }
        }
    }
    out
}

/// A Spring mapping annotation: its HTTP methods (empty: any), paths, produces, consumes.
struct Mapping {
    methods: Vec<String>,
    paths: Vec<String>,
    produces: Vec<String>,
    consumes: Vec<String>,
}

fn spring_mapping(annotations: &[Annotation]) -> Option<Mapping> {
    annotations.iter().find_map(|a| {
        let short = a.type_name.strip_prefix(SPRING)?;
        let methods = match short {
            "RequestMapping" => a
                .get("method")
                .map(|v| v.enum_names().iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            "GetMapping" => vec!["GET".into()],
            "PostMapping" => vec!["POST".into()],
            "PutMapping" => vec!["PUT".into()],
            "DeleteMapping" => vec!["DELETE".into()],
            "PatchMapping" => vec!["PATCH".into()],
            _ => return None,
        };
        let strings = |name: &str| -> Vec<String> {
            a.get(name)
                .map(|v| v.strings().iter().map(|s| s.to_string()).collect())
                .unwrap_or_default()
        };
        let mut paths = strings("value");
        paths.extend(strings("path"));
        Some(Mapping {
            methods,
            paths,
            produces: strings("produces"),
            consumes: strings("consumes"),
        })
    })
}

fn spring_endpoints(class: &Class, lineage: &[&Class], framework: Framework) -> Vec<Endpoint> {
    let base = lineage.iter().find_map(|c| spring_mapping(&c.annotations));
    let mut out = Vec::new();
    for (method, declarations) in operations(lineage) {
        let Some(mapping) = declarations
            .iter()
            .find_map(|d| spring_mapping(&d.annotations))
        else {
            continue;
        };
        let base_paths = base.as_ref().map(|b| b.paths.clone()).unwrap_or_default();
        let methods = if mapping.methods.is_empty() {
            base.as_ref().map(|b| b.methods.clone()).unwrap_or_default()
        } else {
            mapping.methods.clone()
        };
        let pick = |own: &[String], inherited: Option<&Vec<String>>| {
            if own.is_empty() {
                inherited.cloned().unwrap_or_default()
            } else {
                own.to_vec()
            }
        };
        let produces = pick(&mapping.produces, base.as_ref().map(|b| &b.produces));
        let consumes = pick(&mapping.consumes, base.as_ref().map(|b| &b.consumes));
        for path in cross_paths(&base_paths, &mapping.paths) {
            for http in methods_or_any(&methods) {
                out.push(Endpoint {
                    method: http,
                    path: path.clone(),
                    type_name: class.name.clone(),
                    handler: method_label(method),
                    framework,
                    produces: produces.clone(),
                    consumes: consumes.clone(),
                });
            }
        }
    }
    out
}

fn jaxrs_endpoints(class: &Class, lineage: &[&Class], framework: Framework) -> Vec<Endpoint> {
    let jaxrs = |annotations: &[Annotation], short: &str| -> Option<Vec<String>> {
        JAXRS.iter().find_map(|p| {
            find(annotations, &format!("{p}{short}")).map(|a| {
                a.get("value")
                    .map(|v| v.strings().iter().map(|s| s.to_string()).collect())
                    .unwrap_or_default()
            })
        })
    };
    let base: Vec<String> = lineage
        .iter()
        .find_map(|c| jaxrs(&c.annotations, "Path"))
        .unwrap_or_default();
    let class_produces = lineage
        .iter()
        .find_map(|c| jaxrs(&c.annotations, "Produces"));
    let class_consumes = lineage
        .iter()
        .find_map(|c| jaxrs(&c.annotations, "Consumes"));
    let mut out = Vec::new();
    for (method, declarations) in operations(lineage) {
        // JAX-RS: the annotations of the first declaration that has any.
        let Some(declared) = declarations.iter().find(|d| {
            d.annotations
                .iter()
                .any(|a| JAXRS.iter().any(|p| a.type_name.starts_with(p)))
        }) else {
            continue;
        };
        let verbs: Vec<String> = HTTP_METHODS
            .iter()
            .filter(|v| jaxrs(&declared.annotations, v).is_some())
            .map(|v| v.to_string())
            .collect();
        if verbs.is_empty() {
            continue; // a sub-resource locator: its endpoints are another class's
        }
        let own = jaxrs(&declared.annotations, "Path").unwrap_or_default();
        let produces = jaxrs(&declared.annotations, "Produces")
            .or(class_produces.clone())
            .unwrap_or_default();
        let consumes = jaxrs(&declared.annotations, "Consumes")
            .or(class_consumes.clone())
            .unwrap_or_default();
        for path in cross_paths(&base, &own) {
            for verb in &verbs {
                out.push(Endpoint {
                    method: verb.clone(),
                    path: path.clone(),
                    type_name: class.name.clone(),
                    handler: method_label(method),
                    framework,
                    produces: produces.clone(),
                    consumes: consumes.clone(),
                });
            }
        }
    }
    out
}

/// ServiceComb's POJO (RPC) schemas: every public method is an operation, invoked as
/// `POST /{schemaId}/{method}` over the REST transport.
fn rpc_endpoints(class: &Class, lineage: &[&Class], rpc: &Annotation) -> Vec<Endpoint> {
    let schema = rpc
        .get("schemaId")
        .and_then(|v| v.strings().first().map(|s| s.to_string()))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| {
            class
                .name
                .rsplit('.')
                .next()
                .unwrap_or(&class.name)
                .to_string()
        });
    operations(lineage)
        .into_iter()
        .filter(|(m, _)| {
            !matches!(
                m.name.as_str(),
                "equals" | "hashCode" | "toString" | "getClass"
            )
        })
        .map(|(m, _)| Endpoint {
            method: "POST".into(),
            path: join(&schema, &m.name),
            type_name: class.name.clone(),
            handler: method_label(m),
            framework: Framework::ServicecombRpc,
            produces: Vec::new(),
            consumes: Vec::new(),
        })
        .collect()
}

fn methods_or_any(methods: &[String]) -> Vec<String> {
    if methods.is_empty() {
        vec!["ANY".into()]
    } else {
        methods.to_vec()
    }
}

fn cross_paths(base: &[String], own: &[String]) -> Vec<String> {
    let base: Vec<&str> = if base.is_empty() {
        vec![""]
    } else {
        base.iter().map(String::as_str).collect()
    };
    let own: Vec<&str> = if own.is_empty() {
        vec![""]
    } else {
        own.iter().map(String::as_str).collect()
    };
    base.iter()
        .flat_map(|b| own.iter().map(move |o| join(b, o)))
        .collect()
}

/// Joins URL path segments with exactly one slash, starting with one.
pub fn join(base: &str, path: &str) -> String {
    let mut out = String::from("/");
    for part in [base, path] {
        let part = part.trim_matches('/');
        if part.is_empty() {
            continue;
        }
        if !out.ends_with('/') {
            out.push('/');
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::classfile::{PUBLIC, Value};
    use crate::contract::{EndpointChangeKind, diff};

    fn annotation(type_name: &str, elements: Vec<(&str, Value)>) -> Annotation {
        Annotation {
            type_name: type_name.into(),
            elements: elements.into_iter().map(|(n, v)| (n.into(), v)).collect(),
        }
    }

    fn method(name: &str, descriptor: &str, annotations: Vec<Annotation>) -> Method {
        Method {
            name: name.into(),
            descriptor: descriptor.into(),
            access: PUBLIC,
            signature: None,
            exceptions: Vec::new(),
            annotations,
        }
    }

    fn class(name: &str, access: u16, annotations: Vec<Annotation>, methods: Vec<Method>) -> Class {
        Class {
            name: name.into(),
            access,
            super_class: Some("java.lang.Object".into()),
            interfaces: Vec::new(),
            signature: None,
            annotations,
            fields: Vec::new(),
            methods,
        }
    }

    fn set(classes: Vec<Class>) -> ClassSet {
        ClassSet {
            classes: classes.into_iter().map(|c| (c.name.clone(), c)).collect(),
            ..ClassSet::default()
        }
    }

    fn s(v: &str) -> Value {
        Value::String(v.into())
    }

    #[test]
    fn jaxrs_resources_join_class_and_method_paths() {
        let resource = class(
            "demo.Orders",
            PUBLIC,
            vec![
                annotation("jakarta.ws.rs.Path", vec![("value", s("/orders/"))]),
                annotation(
                    "jakarta.ws.rs.Produces",
                    vec![("value", Value::Array(vec![s("application/json")]))],
                ),
            ],
            vec![
                method(
                    "list",
                    "()Ljava/util/List;",
                    vec![annotation("jakarta.ws.rs.GET", vec![])],
                ),
                method(
                    "create",
                    "(Ljava/lang/String;)V",
                    vec![
                        annotation("jakarta.ws.rs.POST", vec![]),
                        annotation("jakarta.ws.rs.Path", vec![("value", s("new"))]),
                    ],
                ),
                method("helper", "()V", vec![]),
            ],
        );
        let own = set(vec![resource]);
        let found = endpoints(&Classpath {
            own: &own,
            libraries: &[],
        });
        let routes: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|e| (e.method.as_str(), e.path.as_str(), e.handler.as_str()))
            .collect();
        assert_eq!(
            routes,
            vec![
                ("GET", "/orders", "list()"),
                ("POST", "/orders/new", "create(java.lang.String)")
            ]
        );
        assert!(
            found
                .iter()
                .all(|e| e.produces == vec!["application/json".to_string()])
        );
        assert!(found.iter().all(|e| e.framework == Framework::JaxRs));
    }

    #[test]
    fn servicecomb_rpc_schemas_expose_every_public_method() {
        let rpc = class(
            "demo.Hello",
            PUBLIC,
            vec![annotation(RPC_SCHEMA, vec![("schemaId", s("hello"))])],
            vec![method(
                "sayHi",
                "(Ljava/lang/String;)Ljava/lang/String;",
                vec![],
            )],
        );
        let own = set(vec![rpc]);
        let found = endpoints(&Classpath {
            own: &own,
            libraries: &[],
        });
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].method.as_str(), found[0].path.as_str()),
            ("POST", "/hello/sayHi")
        );
        assert_eq!(found[0].framework, Framework::ServicecombRpc);
    }

    #[test]
    fn spring_mappings_come_from_the_interface_of_a_library() {
        let api = {
            let mut c = class(
                "demo.Api",
                PUBLIC | INTERFACE | ABSTRACT,
                vec![annotation(
                    &format!("{SPRING}RequestMapping"),
                    vec![("value", Value::Array(vec![s("/v1")]))],
                )],
                vec![method(
                    "get",
                    "(I)Ljava/lang/String;",
                    vec![annotation(
                        &format!("{SPRING}GetMapping"),
                        vec![("value", Value::Array(vec![s("/item/{id}")]))],
                    )],
                )],
            );
            c.methods[0].access |= ABSTRACT;
            c
        };
        let mut controller = class(
            "demo.Controller",
            PUBLIC,
            vec![annotation(SPRING_CONTROLLERS[1], vec![])],
            vec![method("get", "(I)Ljava/lang/String;", vec![])],
        );
        controller.interfaces = vec!["demo.Api".into()];
        let own = set(vec![controller]);
        let libraries = [set(vec![api])];
        let found = endpoints(&Classpath {
            own: &own,
            libraries: &libraries,
        });
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].method.as_str(), found[0].path.as_str()),
            ("GET", "/v1/item/{id}")
        );
        assert_eq!(found[0].type_name, "demo.Controller");
    }

    #[test]
    fn a_diff_tells_moved_from_removed_and_added() {
        let e = |path: &str, handler: &str| Endpoint {
            method: "GET".into(),
            path: path.into(),
            type_name: "demo.C".into(),
            handler: handler.into(),
            framework: Framework::SpringMvc,
            produces: Vec::new(),
            consumes: Vec::new(),
        };
        let old = [e("/a", "a()"), e("/gone", "gone()")];
        let new = [e("/v2/a", "a()"), e("/fresh", "fresh()")];
        let kinds: Vec<(EndpointChangeKind, String)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.change, c.path))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (EndpointChangeKind::Added, "/fresh".to_string()),
                (EndpointChangeKind::Removed, "/gone".to_string()),
                (EndpointChangeKind::Moved, "/v2/a".to_string()),
            ]
        );
        assert_eq!(join("/", ""), "/");
        assert_eq!(join("/cms/page/", "/list"), "/cms/page/list");
    }
}
