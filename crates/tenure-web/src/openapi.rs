//! The OpenAPI 3.1 document of the API, written from the route table, so it cannot drift from
//! what the server routes and who it lets in.

use serde_json::{Map, Value, json};

use crate::routes::{Access, ROUTES, Route};

/// The document served at `/api/v1/openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let item = paths.entry(route.path).or_insert_with(|| json!({}));
        item[route.method.to_lowercase()] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Tenure API", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": error_schema() },
        },
    })
}

fn operation(route: &Route) -> Value {
    let parameters: Vec<Value> = route
        .params
        .iter()
        .map(|p| {
            json!({ "name": p.name, "in": p.location, "required": p.required, "description": p.description,
                    "schema": { "type": "string" } })
        })
        .collect();
    let mut responses = json!({
        "200": { "description": "OK" },
        "400": { "description": "A bad parameter", "content": error_content() },
    });
    let mut operation = json!({ "summary": route.summary, "parameters": parameters });
    match route.access {
        Access::Public => operation["security"] = json!([]),
        Access::Roles(roles) => {
            let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
            operation["security"] = json!([{ "bearer": [] }]);
            operation["x-roles"] = json!(names);
            responses["401"] = json!({ "description": "No valid token", "content": error_content() });
            responses["403"] =
                json!({ "description": "The token's role may not", "content": error_content() });
        }
    }
    operation["responses"] = responses;
    operation
}

fn error_content() -> Value {
    json!({ "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } })
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "required": ["error"],
        "properties": { "error": { "type": "object", "required": ["code", "message"],
            "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } },
    })
}
