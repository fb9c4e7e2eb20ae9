//! The OpenAPI 3.1 document of the API, written from the route table, so it cannot drift from
//! what the server routes, who it lets in, and which bodies it reads.

use serde_json::{Map, Value, json};
use tenure_domain::{Channel, OrderStatus};

use crate::routes::{Access, ROUTES, RequestBody, Route};

/// The security schemes of [`Access::Signed`] routes: any one of them, by the source's kind.
const SIGNATURE_SCHEMES: [&str; 3] = ["shopifyHmac", "woocommerceSignature", "standardWebhooks"];

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
            "securitySchemes": security_schemes(),
            "schemas": {
                "Error": error_schema(),
                "OrderInput": order_schema(true),
                "WebhookDelivery": webhook_schema(),
                "SurveyResponseInput": survey_response_schema(),
                "InteractionInput": interaction_schema(),
                "InteractionChange": interaction_change_schema(),
                "FollowUpInput": followup_schema(),
                "FollowUpDone": followup_done_schema(),
                "RedemptionInput": redemption_schema(),
                "AdjustmentInput": adjustment_schema(),
                "ReferralInput": referral_schema(),
                "ReferralReview": review_schema(),
            },
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
        "400": { "description": "A bad parameter or body", "content": error_content() },
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
        Access::Signed => {
            let alternatives: Vec<Value> =
                SIGNATURE_SCHEMES.iter().map(|name| json!({ *name: [] })).collect();
            operation["security"] = json!(alternatives);
            operation["x-access"] = json!("anyone holding the source's webhook secret");
            responses["401"] = json!({
                "description": "Unknown source, or a signature that does not verify (one answer for both)",
                "content": error_content(),
            });
        }
    }
    for (status, description) in route.responses {
        let content = if status.starts_with('2') { json!({}) } else { error_content() };
        responses[*status] = json!({ "description": description, "content": content });
    }
    // A route that answers 204 (nothing to say) does not also answer 200.
    if route.responses.iter().any(|(status, _)| *status == "204")
        && !route.responses.iter().any(|(status, _)| *status == "200")
        && let Some(all) = responses.as_object_mut()
    {
        all.remove("200");
    }
    if let Some(body) = route.body {
        operation["requestBody"] = request_body(body);
    }
    operation["responses"] = responses;
    operation
}

fn request_body(body: &RequestBody) -> Value {
    let example = serde_json::from_str(body.example).unwrap_or_else(|_| Value::String(body.example.into()));
    json!({
        "required": true,
        "description": body.description,
        "content": { body.media_type: {
            "schema": { "$ref": format!("#/components/schemas/{}", body.schema) },
            "example": example,
        } },
    })
}

fn security_schemes() -> Value {
    let holder = "Anyone holding the source's webhook secret (tenure source add)";
    json!({
        "bearer": { "type": "http", "scheme": "bearer" },
        "shopifyHmac": { "type": "apiKey", "in": "header", "name": "X-Shopify-Hmac-Sha256",
            "description": format!("{holder}, for shopify sources: base64(HMAC-SHA256(raw body, secret))") },
        "woocommerceSignature": { "type": "apiKey", "in": "header", "name": "X-WC-Webhook-Signature",
            "description": format!("{holder}, for woocommerce sources: base64(HMAC-SHA256(raw body, secret))") },
        "standardWebhooks": { "type": "apiKey", "in": "header", "name": "webhook-signature",
            "description": format!("{holder}, for standard sources: space-separated `v1,`+base64(HMAC-SHA256(\
                `{{webhook-id}}.{{webhook-timestamp}}.{{raw body}}`, base64-decoded secret after `whsec_`)); \
                webhook-timestamp within 5 minutes of now") },
    })
}

/// Tenure's order JSON; `with_source` for `POST /api/v1/orders` (webhook data omits it).
fn order_schema(with_source: bool) -> Value {
    let statuses: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
    let decimal = json!({ "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$",
        "description": "a decimal in major units, as a string (\"12.50\"), at most the currency's decimals" });
    let mut properties = json!({
        "source": { "type": "string", "pattern": "^[a-z0-9._-]{1,64}$", "description": "the source (created if new)" },
        "external_id": { "type": "string", "minLength": 1, "maxLength": 200,
            "description": "the source's order id: with the source, the order's idempotency key" },
        "placed_at": { "type": "string", "format": "date-time", "description": "RFC 3339" },
        "currency": { "type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217" },
        "total": decimal,
        "status": { "type": "string", "enum": statuses },
        "refunded": { "type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?$",
            "description": "default 0, or the total for a refunded order; above 0 only when (partially) refunded" },
        "customer": {
            "type": "object", "additionalProperties": false, "required": ["external_id"],
            "properties": {
                "external_id": { "type": "string", "minLength": 1, "maxLength": 200 },
                "email": { "type": "string", "description": "joins the customer across sources" },
                "name": { "type": "string" },
                "marketing_consent": { "type": "boolean" },
            },
        },
    });
    let mut required = vec!["external_id", "placed_at", "currency", "total", "status", "customer"];
    if with_source {
        required.insert(0, "source");
    } else if let Some(object) = properties.as_object_mut() {
        object.remove("source");
    }
    json!({ "type": "object", "additionalProperties": false, "required": required, "properties": properties })
}

fn survey_response_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["key", "answers"],
        "properties": {
            "key": { "type": "string", "minLength": 1, "maxLength": 200,
                "description": "the sender's key for this response: sending it again with the same answers changes nothing" },
            "customer_id": { "type": "integer", "description": "the customer who answered, when known" },
            "answers": { "type": "object", "description": "by question id: a scale answer as a number, a pair as \
                {\"expectation\": 5, \"perception\": 4}, a single choice or a text as a string, a multiple choice as \
                an array of option ids (docs/surveys.md)" },
        },
    })
}

/// `channel`: the names `Channel::parse` reads first.
fn channel_schema() -> Value {
    let names: Vec<&str> = Channel::ALL.iter().map(|c| c.as_str()).collect();
    json!({ "type": "string", "enum": names, "description": "how it happened (case, spaces and `-` are ignored; \
        mail, call, telephone and meeting are read too)" })
}

fn state_schema() -> Value {
    json!({ "type": "string", "enum": ["open", "answered", "closed"],
        "description": "an inbound query's state (open when not given); outbound contacts have none" })
}

fn interaction_schema() -> Value {
    let text = |max: usize, description: &str| json!({ "type": "string", "maxLength": max, "description": description });
    json!({
        "type": "object", "additionalProperties": false, "required": ["occurred_at", "channel", "direction"],
        "description": "Name the customer by customer_id or by email (one of them). The record's key is \
            `api:` and the request's Idempotency-Key.",
        "properties": {
            "customer_id": { "type": "integer", "description": "Tenure's customer id" },
            "email": { "type": "string", "description": "the customer's e-mail" },
            "occurred_at": { "type": "string", "format": "date-time",
                "description": "RFC 3339: when it happened (not when it is logged); at most a day ahead of now" },
            "channel": channel_schema(),
            "direction": { "type": "string", "enum": ["inbound", "outbound"],
                "description": "inbound: the customer reached out (a query); outbound: the business did" },
            "duration_seconds": { "type": "integer", "minimum": 0, "maximum": 86400 },
            "subject": text(tenure_domain::MAX_SUBJECT_CHARS, "what it was about"),
            "notes": text(tenure_domain::MAX_NOTES_CHARS, "free notes"),
            "outcome": text(tenure_domain::MAX_NOTES_CHARS, "what came of it"),
            "staff": { "type": "string", "description": "the staff member's e-mail" },
            "state": state_schema(),
            "order_id": { "type": "integer", "description": "the order it was about (store id)" },
            "reply_to": { "type": "integer",
                "description": "an outbound contact: the inbound query of the same customer it answers" },
        },
    })
}

fn interaction_change_schema() -> Value {
    let properties = interaction_schema()["properties"].clone();
    let kept: Map<String, Value> = properties
        .as_object()
        .map(|all| {
            all.iter()
                .filter(|(name, _)| {
                    crate::handlers::calendar_body::INTERACTION_CHANGE_FIELDS.contains(&name.as_str())
                })
                .map(|(name, schema)| (name.clone(), schema.clone()))
                .collect()
        })
        .unwrap_or_default();
    json!({ "type": "object", "additionalProperties": false, "properties": kept,
        "description": "Only the fields given change; the customer's contact dates follow a new occurred_at" })
}

fn followup_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["owner", "title", "due_at"],
        "properties": {
            "customer_id": { "type": "integer", "description": "about whom (none: a task of its own)" },
            "owner": { "type": "string", "description": "the e-mail of the user whose follow-up it is" },
            "title": { "type": "string", "minLength": 1,
                "maxLength": tenure_app::calendar::followups::MAX_TITLE_CHARS },
            "notes": { "type": "string", "maxLength": tenure_domain::MAX_NOTES_CHARS },
            "due_at": { "type": "string", "format": "date-time", "description": "RFC 3339" },
            "duration_minutes": { "type": "integer", "minimum": 1, "maximum": 1440, "default": 15 },
            "remind_minutes": { "type": "integer", "minimum": 0, "maximum": 10080, "default": 60,
                "description": "the reminder e-mail goes this long before it is due (0: none)" },
        },
    })
}

fn followup_done_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false,
        "properties": { "outcome": { "type": "string", "maxLength": tenure_domain::MAX_NOTES_CHARS,
            "description": "what came of it" } },
    })
}

fn redemption_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["reward"],
        "properties": { "reward": { "type": "string", "minLength": 1,
            "description": "the id of a reward in the programme's catalogue (`free-shipping`)" } },
    })
}

fn adjustment_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["points", "reason"],
        "properties": {
            "points": { "type": "integer", "not": { "const": 0 },
                "description": "points to add, or (negative) to take; no more than are available" },
            "reason": { "type": "string", "minLength": 1, "maxLength": crate::handlers::loyalty::MAX_REASON_CHARS,
                "description": "why, kept on the member's ledger with the token's name" },
        },
    })
}

fn referral_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["code", "customer"],
        "properties": {
            "code": { "type": "string", "minLength": 1,
                "description": "a member's referral code as the customer typed it (case, spaces and hyphens do not matter)" },
            "customer": { "type": "integer", "description": "the referred customer's id" },
            "at": { "type": "string", "format": "date-time",
                "description": "when the code was used; orders before it do not count (default: now)" },
        },
    })
}

fn review_schema() -> Value {
    json!({
        "type": "object", "additionalProperties": false, "required": ["decision"],
        "properties": { "decision": { "type": "string", "enum": ["approve", "refuse"],
            "description": "approve: pay both sides; refuse: it never pays" } },
    })
}

fn webhook_schema() -> Value {
    json!({
        "description": "By the source's kind: a Shopify REST order (topics orders/create, orders/paid, \
            orders/updated), a WooCommerce order (order.created, order.updated; the form-encoded \
            `webhook_id=N` ping is answered 200 and writes nothing), or a Standard Webhooks payload whose \
            `data` is an OrderInput without `source`. Other topics are answered 200 and write nothing.",
        "anyOf": [
            { "type": "object", "description": "Shopify or WooCommerce order" },
            { "type": "object", "required": ["type", "data"], "properties": {
                "type": { "type": "string", "enum": ["order.created", "order.updated"] },
                "timestamp": { "type": "string", "format": "date-time" },
                "data": order_schema(false),
            } },
        ],
    })
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

#[cfg(test)]
mod tests {
    use tenure_app::orders::{CUSTOMER_FIELDS, ORDER_FIELDS};

    use super::*;

    fn sorted_keys(value: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }

    fn sorted(fields: &[&'static str]) -> Vec<&'static str> {
        let mut fields = fields.to_vec();
        fields.sort_unstable();
        fields
    }

    #[test]
    fn the_order_schema_lists_exactly_the_fields_the_api_reads() {
        let schema = order_schema(true);
        assert_eq!(sorted_keys(&schema["properties"]), sorted(ORDER_FIELDS));
        assert_eq!(sorted_keys(&schema["properties"]["customer"]["properties"]), sorted(CUSTOMER_FIELDS));
        assert!(!sorted_keys(&order_schema(false)["properties"]).contains(&"source"));
    }

    #[test]
    fn the_calendar_schemas_list_exactly_the_fields_their_bodies_read() {
        use crate::handlers::calendar_body::{
            FOLLOWUP_DONE_FIELDS, FOLLOWUP_FIELDS, INTERACTION_CHANGE_FIELDS, INTERACTION_FIELDS,
        };
        assert_eq!(sorted_keys(&interaction_schema()["properties"]), sorted(INTERACTION_FIELDS));
        assert_eq!(
            sorted_keys(&interaction_change_schema()["properties"]),
            sorted(INTERACTION_CHANGE_FIELDS)
        );
        assert_eq!(sorted_keys(&followup_schema()["properties"]), sorted(FOLLOWUP_FIELDS));
        assert_eq!(sorted_keys(&followup_done_schema()["properties"]), sorted(FOLLOWUP_DONE_FIELDS));
    }

    #[test]
    fn the_loyalty_schemas_list_exactly_the_fields_their_bodies_read() {
        use crate::handlers::loyalty::{ADJUSTMENT_FIELDS, REDEMPTION_FIELDS};
        assert_eq!(sorted_keys(&redemption_schema()["properties"]), sorted(REDEMPTION_FIELDS));
        assert_eq!(sorted_keys(&adjustment_schema()["properties"]), sorted(ADJUSTMENT_FIELDS));
        use crate::handlers::referrals::{RECORD_FIELDS, REVIEW_FIELDS};
        assert_eq!(sorted_keys(&referral_schema()["properties"]), sorted(RECORD_FIELDS));
        assert_eq!(sorted_keys(&review_schema()["properties"]), sorted(REVIEW_FIELDS));
    }
}
