/// The OpenAPI 3.1 document of the HTTP interface, served at `GET /api/v1/openapi.json`.
///
/// `OpenAPITests` checks that it parses, that every registered route is documented with its
/// method and that nothing documented is missing from the router (and validates it with
/// `openapi-spec-validator` when Python has it): change it together with the routes.
enum OpenAPIDocument {
    static let bytes = Array(json.utf8)

    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "Switchboard",
    "version": "0.1.0",
    "description": "Calls and WhatsApp conversations in one CRM timeline. Every /api/v1 endpoint (except this document) needs Authorization: Bearer <apiKey>. Roles: quality control sees everything and writes nothing; a manager sees and writes only the clients they own (others answer 404), and, if they receive new clients, reads unowned clients of unsorted WhatsApp channels until one replies; a supervisor sees and writes everything. API writes accept an Idempotency-Key header. Every error is JSON: {\"error\":{\"code\":\"…\",\"message\":\"…\"}}. Any endpoint may also answer 405 (method_not_allowed, with Allow), 408, 413 (body over maxBodyBytes), 414, 431 or 503 (too many connections) from the HTTP server itself."
  },
  "servers": [{"url": "/"}],
  "tags": [
    {"name": "Operations"},
    {"name": "Agents"},
    {"name": "Integrations"},
    {"name": "Contacts"},
    {"name": "Calls"},
    {"name": "Tasks"},
    {"name": "Click-to-call"},
    {"name": "Call webhooks"},
    {"name": "WhatsApp channels"},
    {"name": "WhatsApp messages"},
    {"name": "Canned answers"},
    {"name": "WhatsApp webhooks"}
  ],
  "paths": {
    "/healthz": {
      "get": {
        "operationId": "health",
        "summary": "Liveness: 200 while the process is up",
        "tags": ["Operations"],
        "responses": {
          "200": {
            "description": "Up",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {"status": {"type": "string", "const": "ok"}},
                  "required": ["status"]
                }
              }
            }
          },
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": []
      }
    },
    "/readyz": {
      "get": {
        "operationId": "ready",
        "summary": "Readiness: 200 once a real database write commits; 503 while it fails and for 30 s after any write failed for want of disk",
        "tags": ["Operations"],
        "responses": {
          "200": {
            "description": "Ready",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "properties": {"status": {"type": "string", "const": "ready"}},
                  "required": ["status"]
                }
              }
            }
          },
          "500": {"$ref": "#/components/responses/InternalError"},
          "503": {"$ref": "#/components/responses/ServiceUnavailable"}
        },
        "security": []
      }
    },
    "/metrics": {
      "get": {
        "operationId": "metrics",
        "summary": "Prometheus metrics",
        "tags": ["Operations"],
        "responses": {
          "200": {
            "description": "Prometheus text exposition format 0.0.4",
            "content": {"text/plain": {"schema": {"type": "string"}}}
          },
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": []
      }
    },
    "/api/v1/openapi.json": {
      "get": {
        "operationId": "openapi",
        "summary": "This OpenAPI document",
        "tags": ["Operations"],
        "responses": {
          "200": {
            "description": "The OpenAPI 3.1 document",
            "content": {"application/json": {"schema": {"type": "object"}}}
          },
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": []
      }
    },
    "/api/v1/me": {
      "get": {
        "operationId": "getMe",
        "summary": "The agent owning the API key",
        "tags": ["Agents"],
        "responses": {
          "200": {
            "description": "The agent",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Agent"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/me/key": {
      "post": {
        "operationId": "rotateMyKey",
        "summary": "Replace the caller's API key; the old one stops working at once",
        "tags": ["Agents"],
        "responses": {
          "201": {
            "description": "The agent and the new key, shown once",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentWithKey"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/agents/{id}/key": {
      "post": {
        "operationId": "rotateAgentKey",
        "summary": "Replace an agent's API key (supervisors); the old one stops working at once",
        "tags": ["Agents"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "201": {
            "description": "The agent and the new key, shown once",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentWithKey"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/agents/{id}": {
      "patch": {
        "operationId": "updateAgent",
        "summary": "Change an agent in place (supervisors): their id, key, clients and tasks stay",
        "tags": ["Agents"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentPatch"}}}
        },
        "responses": {
          "200": {"description": "The agent", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Agent"}}}},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/agents": {
      "get": {
        "operationId": "listAgents",
        "summary": "All agents (supervisors and quality control)",
        "tags": ["Agents"],
        "responses": {
          "200": {
            "description": "Agents",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AgentList"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/events": {
      "get": {
        "operationId": "events",
        "summary": "Live stream (Server-Sent Events) for the agent",
        "tags": ["Agents"],
        "parameters": [
          {"name": "Last-Event-ID", "in": "header", "required": false, "schema": {"type": "string"},
           "description": "The id of the last event received before a reconnect: the events published since are sent first, or an event reset when they are no longer kept"}
        ],
        "responses": {
          "200": {
            "description": "text/event-stream: hello first, then call.ringing (screen-pop: call, agent, contact with isNew, open deals, links — none for a manager rung for a client another owns), call.answered, call.ended, call.missed, task.created, task.completed (an agent completed it), tasks.closed, task.withdrawn, task.reopened, task.assigned, task.unassigned (a manager who had a task and no longer sees its client: taskId, contactId, assigneeAgentId), whatsapp.message, whatsapp.outbound, whatsapp.claimed (reset after a Last-Event-ID that can no longer be resumed); each event but reset has an id and its data is JSON",
            "content": {"text/event-stream": {"schema": {
              "type": "object",
              "description": "One event of the stream (its lines: id, event, data; `: keep-alive` comments between)",
              "properties": {
                "id": {"type": "string", "description": "For Last-Event-ID; absent on reset"},
                "event": {"type": "string"},
                "data": {"type": "string", "description": "JSON"}
              },
              "required": ["event", "data"]
            }}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/webhooks/calls/{kind}": {
      "post": {
        "operationId": "nativeCallWebhook",
        "summary": "Native call webhook",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/CallMoment"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NativeCallEvent"}}}
        },
        "responses": {
          "200": {
            "description": "Stored (or duplicate) after commit",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IngestReply"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"integrationSecret": []}]
      }
    },
    "/webhooks/twilio/{secret}": {
      "post": {
        "operationId": "twilioWebhook",
        "summary": "Twilio status callback (form, X-Twilio-Signature)",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": true}},
                      "multipart/form-data": {"schema": {"type": "object", "additionalProperties": true}}}
        },
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/webhooks/zadarma/{secret}": {
      "post": {
        "operationId": "zadarmaWebhook",
        "summary": "Zadarma PBX notification (form, Signature header)",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": true}},
                      "multipart/form-data": {"schema": {"type": "object", "additionalProperties": true}}}
        },
        "responses": {
          "200": {
            "description": "Stored, duplicate or ignored; or the zd_echo value as text/plain for Zadarma's URL check",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/CallWebhookReply"}},
              "text/plain": {"schema": {"type": "string"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      },
      "get": {
        "operationId": "zadarmaWebhookCheck",
        "summary": "Zadarma URL check (zd_echo) or notification in the query",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"},
          {
            "name": "zd_echo",
            "in": "query",
            "required": false,
            "description": "Echoed back as text/plain",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "Stored, duplicate or ignored; or the zd_echo value as text/plain for Zadarma's URL check",
            "content": {
              "application/json": {"schema": {"$ref": "#/components/schemas/CallWebhookReply"}},
              "text/plain": {"schema": {"type": "string"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/webhooks/ringostat/{secret}/{kind}": {
      "get": {
        "operationId": "ringostatWebhookInURL",
        "summary": "Ringostat webhook for one call moment, its parameters in the URL",
        "tags": ["Call webhooks"],
        "description": "Ringostat's 'parameters in the address line': the call's parameters (call_id, caller, …) are the query string, read as a POST body would be.",
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"},
          {"$ref": "#/components/parameters/CallMoment"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      },
      "post": {
        "operationId": "ringostatWebhook",
        "summary": "Ringostat webhook for one call moment (JSON or form)",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"},
          {"$ref": "#/components/parameters/CallMoment"}
        ],
        "requestBody": {
          "required": false,
          "description": "Optional: without a body the parameters come from the URL's query",
          "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": true}},
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": true}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ProviderPayload"}}
          }
        },
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/webhooks/ringostat/{kind}": {
      "get": {
        "operationId": "ringostatWebhookHeaderSecretInURL",
        "summary": "Ringostat webhook, its parameters in the URL and the secret in a header",
        "tags": ["Call webhooks"],
        "description": "Ringostat's 'parameters in the address line': the call's parameters (call_id, caller, …) are the query string, read as a POST body would be.",
        "parameters": [
          {"$ref": "#/components/parameters/CallMoment"}
        ],
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"integrationSecret": []}, {"switchboardSecretHeader": []}]
      },
      "post": {
        "operationId": "ringostatWebhookHeaderSecret",
        "summary": "Ringostat webhook with the secret in Authorization: Bearer or X-Switchboard-Secret",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/CallMoment"},
          {
            "name": "X-Switchboard-Secret",
            "in": "header",
            "required": false,
            "schema": {"type": "string"},
            "description": "The integration's webhook secret, if not sent as a bearer token"
          }
        ],
        "requestBody": {
          "required": false,
          "description": "Optional: without a body the parameters come from the URL's query",
          "content": {
            "application/x-www-form-urlencoded": {"schema": {"type": "object", "additionalProperties": true}},
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": true}},
            "application/json": {"schema": {"$ref": "#/components/schemas/ProviderPayload"}}
          }
        },
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"integrationSecret": []}, {"switchboardSecretHeader": []}]
      }
    },
    "/webhooks/aircall/{secret}": {
      "post": {
        "operationId": "aircallWebhook",
        "summary": "Aircall webhook (JSON with the webhook token)",
        "tags": ["Call webhooks"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProviderPayload"}}}
        },
        "responses": {
          "200": {"$ref": "#/components/responses/CallWebhookStored"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/webhooks/presence/{secret}": {
      "post": {
        "operationId": "presenceWebhook",
        "summary": "SIP presence push from a provider or PBX bridge",
        "tags": ["Click-to-call"],
        "parameters": [
          {"$ref": "#/components/parameters/WebhookSecret"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PresenceReport"}}}
        },
        "responses": {
          "200": {
            "description": "Recorded",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/StatusOK"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/api/v1/integrations": {
      "get": {
        "operationId": "listIntegrations",
        "summary": "All integrations (supervisors)",
        "tags": ["Integrations"],
        "parameters": [
          {
            "name": "removed",
            "in": "query",
            "schema": {"type": "boolean", "default": false},
            "description": "true lists removed integrations too, with removedAt"
          }
        ],
        "responses": {
          "200": {
            "description": "Integrations",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntegrationList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "post": {
        "operationId": "createIntegration",
        "summary": "Add an integration (supervisors)",
        "tags": ["Integrations"],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntegrationCreate"}}}
        },
        "responses": {
          "201": {
            "description": "Created, with its one-time webhook secret and URLs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntegrationCreated"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/integrations/{id}/secret": {
      "post": {
        "operationId": "rotateIntegrationSecret",
        "summary": "Replace the webhook secret (supervisors); the old one is refused at once, the answer has the new URLs",
        "tags": ["Integrations"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "201": {
            "description": "The integration, its new secret (shown once) and webhook URLs",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntegrationCreated"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/integrations/{id}": {
      "get": {
        "operationId": "getIntegration",
        "summary": "One integration (supervisors)",
        "tags": ["Integrations"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The integration",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Integration"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "patch": {
        "operationId": "updateIntegration",
        "summary": "Change name, region, settings or provider secret (supervisors)",
        "description": "A JSON merge patch (RFC 7396): members left out stay as they are, and settings are merged into the stored settings (objects key by key, null deletes a key so the setting is back to its default, other values replace), then checked whole. Any other member, provider included, is refused with 422 naming it. A removed integration answers 404.",
        "tags": ["Integrations"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IntegrationPatch"}}}
        },
        "responses": {
          "200": {
            "description": "The updated integration",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Integration"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "delete": {
        "operationId": "deleteIntegration",
        "summary": "Remove an integration (supervisors)",
        "description": "Its webhooks are refused from then on and its name is free again. Its row stays, without its provider secret and dialer key, so its id is never given to another integration and rebuild replays its calls.",
        "tags": ["Integrations"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "204": {"description": "Removed"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts": {
      "get": {
        "operationId": "searchContacts",
        "summary": "Search contacts by phone or name (visible ones only)",
        "tags": ["Contacts"],
        "description": "A manager's search covers only the contacts they own. 400 when limit is not an integer from 1 to 200, or before is no nextBefore.",
        "parameters": [
          {
            "name": "phone",
            "in": "query",
            "required": false,
            "description": "Exact number (any format). Encode the plus as %2B; an unencoded + (which decodes to a space) before the country code is read as the plus too",
            "schema": {"type": "string"}
          },
          {
            "name": "region",
            "in": "query",
            "required": false,
            "description": "Region for reading phone",
            "schema": {"type": "string"}
          },
          {"name": "q", "in": "query", "required": false, "description": "Name contains", "schema": {"type": "string"}},
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Before"}
        ],
        "responses": {
          "200": {
            "description": "Contacts, most recently updated first; nextBefore pages on",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContactList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "post": {
        "operationId": "createContact",
        "summary": "Create a contact",
        "tags": ["Contacts"],
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContactCreate"}}}
        },
        "responses": {
          "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}": {
      "get": {
        "operationId": "getContact",
        "summary": "One contact",
        "tags": ["Contacts"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The contact",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "patch": {
        "operationId": "updateContact",
        "summary": "Update name, fields, phones (owner: supervisors)",
        "tags": ["Contacts"],
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ContactPatch"}}}
        },
        "responses": {
          "200": {
            "description": "The updated contact",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Contact"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/deals": {
      "get": {
        "operationId": "listContactDeals",
        "summary": "The contact's deals",
        "tags": ["Contacts"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "Deals, most recently updated first",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DealList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "post": {
        "operationId": "createDeal",
        "summary": "Open a deal for the contact",
        "tags": ["Contacts"],
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": false,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DealCreate"}}}
        },
        "responses": {
          "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deal"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/deals/{dealId}": {
      "patch": {
        "operationId": "updateDeal",
        "summary": "Move a deal (title, pipeline, stage), close it or reopen it",
        "tags": ["Contacts"],
        "parameters": [
          {"$ref": "#/components/parameters/Id"},
          {"name": "dealId", "in": "path", "required": true, "description": "The deal's id", "schema": {"type": "integer"}},
          {"$ref": "#/components/parameters/IdempotencyKey"}
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DealUpdate"}}}
        },
        "responses": {
          "200": {
            "description": "The deal as it now is",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Deal"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/timeline": {
      "get": {
        "operationId": "contactTimeline",
        "summary": "Calls, messages, tasks and deals, newest first",
        "tags": ["Contacts"],
        "description": "400 when limit is not an integer from 1 to 200, or before is not a nextBefore.",
        "parameters": [
          {"$ref": "#/components/parameters/Id"},
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Before"}
        ],
        "responses": {
          "200": {
            "description": "A page of the timeline",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TimelinePage"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/calls/{id}": {
      "get": {
        "operationId": "getCall",
        "summary": "One call",
        "tags": ["Calls"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The call",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Call"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/tasks": {
      "get": {
        "operationId": "listTasks",
        "summary": "Tasks, by deadline",
        "tags": ["Tasks"],
        "parameters": [
          {
            "name": "state",
            "in": "query",
            "required": false,
            "description": "open or done",
            "schema": {"type": "string", "enum": ["open", "done"]}
          },
          {
            "name": "assignee",
            "in": "query",
            "required": false,
            "description": "Agent id, or none for the tasks nobody has (400 otherwise)",
            "schema": {"oneOf": [{"type": "integer"}, {"type": "string", "enum": ["none"]}]}
          },
          {"name": "board", "in": "query", "required": false, "description": "Board name", "schema": {"type": "string"}},
          {
            "name": "kind",
            "in": "query",
            "required": false,
            "description": "Task kind (400 for any other)",
            "schema": {"type": "string", "enum": ["missed_call", "unanswered_message"]}
          },
          {
            "name": "contact",
            "in": "query",
            "required": false,
            "description": "Contact id (400 when not an integer)",
            "schema": {"type": "integer"}
          },
          {
            "name": "overdue",
            "in": "query",
            "required": false,
            "description": "true: only open tasks past their deadline; false, like leaving it out: no such filter; anything else: 400",
            "schema": {"type": "string", "enum": ["true", "false"]}
          },
          {
            "name": "limit",
            "in": "query",
            "required": false,
            "description": "400 when not an integer from 1 to 500",
            "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 100}
          },
          {
            "name": "after",
            "in": "query",
            "required": false,
            "description": "The previous page's nextAfter (400 for anything else)",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "Tasks",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/tasks/{id}": {
      "get": {
        "operationId": "getTask",
        "summary": "One task",
        "tags": ["Tasks"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The task",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/tasks/{id}/complete": {
      "post": {
        "operationId": "completeTask",
        "summary": "Complete a task",
        "tags": ["Tasks"],
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "responses": {
          "200": {
            "description": "The task",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/tasks/{id}/reassign": {
      "post": {
        "operationId": "reassignTask",
        "summary": "Give a task to another agent (supervisors)",
        "tags": ["Tasks"],
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/TaskReassign"}}}
        },
        "responses": {
          "200": {
            "description": "The task",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Task"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/calls": {
      "post": {
        "operationId": "clickToCall",
        "summary": "Click-to-call: ring the client and bridge the agent's SIP account",
        "tags": ["Click-to-call"],
        "description": "409 no_sip_account_online when no SIP account is online and free (nothing dialled), or in_progress while the same key is being placed; 502 the provider refused or was unreachable, or answered with a server error (5xx: the call may have been placed; the message says so and names the request, and a retry with the same Idempotency-Key answers 200 with state unknown and the call); 504 the provider did not answer in time (never repeated; a retry with the same Idempotency-Key answers 200 with state unknown and the call).",
        "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClickToCallRequest"}}}
        },
        "responses": {
          "201": {
            "description": "Dialled",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClickToCallResult"}}}
          },
          "200": {
            "description": "A request with this Idempotency-Key was already placed: its outcome",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ClickToCallResult"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"},
          "502": {"$ref": "#/components/responses/BadGateway"},
          "504": {"$ref": "#/components/responses/GatewayTimeout"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/sip-accounts": {
      "get": {
        "operationId": "listSipAccounts",
        "summary": "SIP accounts with presence",
        "tags": ["Click-to-call"],
        "parameters": [
          {
            "name": "integrationId",
            "in": "query",
            "required": false,
            "description": "Only this integration (an id; anything else is 400)",
            "schema": {"type": "integer"}
          }
        ],
        "responses": {
          "200": {
            "description": "SIP accounts",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SIPAccountList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/channels": {
      "get": {
        "operationId": "listChannels",
        "summary": "WhatsApp channels (supervisors)",
        "tags": ["WhatsApp channels"],
        "responses": {
          "200": {
            "description": "Channels",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChannelList"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "post": {
        "operationId": "createChannel",
        "summary": "Add a WhatsApp channel (supervisors)",
        "tags": ["WhatsApp channels"],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChannelCreate"}}}
        },
        "responses": {
          "201": {
            "description": "Created, with its webhook URL and one-time secret",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChannelCreated"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/channels/{id}/secret": {
      "post": {
        "operationId": "rotateChannelSecret",
        "summary": "Replace a Wazzup channel's webhook secret (supervisors); the answer has the new URL, the old one is refused at once",
        "tags": ["WhatsApp channels"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "201": {
            "description": "The channel, its new secret (shown once) and webhook URL",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChannelCreated"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/channels/{id}": {
      "get": {
        "operationId": "getChannel",
        "summary": "One channel (supervisors)",
        "tags": ["WhatsApp channels"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The channel",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Channel"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "patch": {
        "operationId": "updateChannel",
        "summary": "Change settings, region or credentials (supervisors)",
        "tags": ["WhatsApp channels"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ChannelPatch"}}}
        },
        "responses": {
          "200": {
            "description": "The updated channel",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Channel"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "delete": {
        "operationId": "deleteChannel",
        "summary": "Remove a channel (supervisors)",
        "tags": ["WhatsApp channels"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "204": {"description": "Removed"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/messages": {
      "post": {
        "operationId": "sendMessage",
        "summary": "Send a WhatsApp message to the contact",
        "tags": ["WhatsApp messages"],
        "description": "409 outside the 24-hour customer-service window (Meta channels, free text and attachments); 422 unknown merge field or one this client has no value for (no open deal; a contact still named after its number), ambiguous channel, or what the channel's provider cannot send.",
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OutboundMessage"}}}
        },
        "responses": {
          "202": {
            "description": "Queued (pending); the background sender posts it",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SendResult"}}}
          },
          "200": {
            "description": "A request with this Idempotency-Key was already made: the same message",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SendResult"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "409": {"$ref": "#/components/responses/Conflict"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/messages/preview": {
      "post": {
        "operationId": "previewMessage",
        "summary": "Render a message without sending it",
        "tags": ["WhatsApp messages"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OutboundMessage"}}}
        },
        "responses": {
          "200": {
            "description": "Rendered message and window state",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagePreview"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/conversation/reset": {
      "post": {
        "operationId": "resetConversation",
        "summary": "Clear the unanswered counter and close the reply task without replying",
        "tags": ["WhatsApp messages"],
        "parameters": [{"$ref": "#/components/parameters/Id"}, {"$ref": "#/components/parameters/IdempotencyKey"}],
        "requestBody": {
          "required": false,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConversationReset"}}}
        },
        "responses": {
          "200": {
            "description": "Reset",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConversationResetResult"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/contacts/{id}/attachments": {
      "get": {
        "operationId": "listAttachments",
        "summary": "A conversation's files",
        "tags": ["WhatsApp messages"],
        "parameters": [
          {"$ref": "#/components/parameters/Id"},
          {
            "name": "channelId",
            "in": "query",
            "required": false,
            "description": "Only this channel",
            "schema": {"type": "integer"}
          }
        ],
        "responses": {
          "200": {
            "description": "Attachments, newest first",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AttachmentList"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/messages/{id}/media/{mediaId}": {
      "get": {
        "operationId": "getMedia",
        "summary": "A downloaded media file",
        "tags": ["WhatsApp messages"],
        "description": "404 not_found, media_pending (not downloaded yet), media_failed or media_missing.",
        "parameters": [
          {"$ref": "#/components/parameters/Id"},
          {
            "name": "mediaId",
            "in": "path",
            "required": true,
            "description": "The media id",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {
            "description": "The file, with its Content-Type (and Content-Disposition when it has a filename)",
            "content": {
              "application/octet-stream": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/conversations": {
      "get": {
        "operationId": "listConversations",
        "summary": "WhatsApp threads, most recent activity first",
        "tags": ["WhatsApp messages"],
        "parameters": [
          {
            "name": "notRepliedFor",
            "in": "query",
            "required": false,
            "description": "The client wrote last, at least this long ago (12h, 3d, 2w, 1m = 30 days)",
            "schema": {"type": "string", "pattern": "^[0-9]+[hdwm]$"}
          },
          {
            "name": "repliedWithin",
            "in": "query",
            "required": false,
            "description": "Last reply within this",
            "schema": {"type": "string", "pattern": "^[0-9]+[hdwm]$"}
          },
          {
            "name": "messageWithin",
            "in": "query",
            "required": false,
            "description": "Any message within this",
            "schema": {"type": "string", "pattern": "^[0-9]+[hdwm]$"}
          },
          {
            "name": "owner",
            "in": "query",
            "required": false,
            "description": "Owner agent id",
            "schema": {"type": "integer"}
          },
          {
            "name": "repliedBy",
            "in": "query",
            "required": false,
            "description": "Agent id who replied",
            "schema": {"type": "integer"}
          },
          {
            "name": "channelId",
            "in": "query",
            "required": false,
            "description": "Channel id",
            "schema": {"type": "integer"}
          },
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Before"}
        ],
        "responses": {
          "200": {
            "description": "A page of threads",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ConversationPage"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/conversations/{contactId}/messages": {
      "get": {
        "operationId": "listConversationMessages",
        "summary": "A thread's messages, newest first, with attachments",
        "tags": ["WhatsApp messages"],
        "parameters": [
          {
            "name": "contactId",
            "in": "path",
            "required": true,
            "description": "Contact id",
            "schema": {"type": "integer"}
          },
          {
            "name": "channelId",
            "in": "query",
            "required": false,
            "description": "Only this channel",
            "schema": {"type": "integer"}
          },
          {"$ref": "#/components/parameters/Limit"},
          {"$ref": "#/components/parameters/Before"}
        ],
        "responses": {
          "200": {
            "description": "A page of messages",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagePage"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/canned-answers": {
      "get": {
        "operationId": "listCannedAnswers",
        "summary": "Canned answers",
        "tags": ["Canned answers"],
        "parameters": [
          {"name": "q", "in": "query", "required": false, "description": "Name contains", "schema": {"type": "string"}},
          {
            "name": "module",
            "in": "query",
            "required": false,
            "description": "contact or deal",
            "schema": {"type": "string", "enum": ["contact", "deal"]}
          }
        ],
        "responses": {
          "200": {
            "description": "Canned answers",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswerList"}}}
          },
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "post": {
        "operationId": "createCannedAnswer",
        "summary": "Create a canned answer (supervisors and managers)",
        "tags": ["Canned answers"],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswerCreate"}}}
        },
        "responses": {
          "201": {
            "description": "Created",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswer"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/api/v1/canned-answers/{id}": {
      "get": {
        "operationId": "getCannedAnswer",
        "summary": "One canned answer",
        "tags": ["Canned answers"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "200": {
            "description": "The canned answer",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswer"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "patch": {
        "operationId": "updateCannedAnswer",
        "summary": "Change a canned answer (supervisors and managers)",
        "tags": ["Canned answers"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswerPatch"}}}
        },
        "responses": {
          "200": {
            "description": "The updated canned answer",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CannedAnswer"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      },
      "delete": {
        "operationId": "deleteCannedAnswer",
        "summary": "Remove a canned answer (supervisors and managers)",
        "tags": ["Canned answers"],
        "parameters": [{"$ref": "#/components/parameters/Id"}],
        "responses": {
          "204": {"description": "Removed"},
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        },
        "security": [{"apiKey": []}]
      }
    },
    "/webhooks/whatsapp/{channel}": {
      "get": {
        "operationId": "metaWebhookVerify",
        "summary": "Meta subscription handshake",
        "tags": ["WhatsApp webhooks"],
        "parameters": [
          {
            "name": "channel",
            "in": "path",
            "required": true,
            "description": "Channel name (or id)",
            "schema": {"type": "string"}
          },
          {
            "name": "hub.mode",
            "in": "query",
            "required": false,
            "description": "subscribe",
            "schema": {"type": "string"}
          },
          {
            "name": "hub.verify_token",
            "in": "query",
            "required": false,
            "description": "The channel's verify token",
            "schema": {"type": "string"}
          },
          {
            "name": "hub.challenge",
            "in": "query",
            "required": false,
            "description": "Echoed back",
            "schema": {"type": "string"}
          }
        ],
        "responses": {
          "200": {"description": "hub.challenge echoed", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "403": {"$ref": "#/components/responses/Forbidden"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      },
      "post": {
        "operationId": "metaWebhook",
        "summary": "Meta WhatsApp delivery (messages and statuses)",
        "tags": ["WhatsApp webhooks"],
        "parameters": [
          {
            "name": "channel",
            "in": "path",
            "required": true,
            "description": "Channel name (or id)",
            "schema": {"type": "string"}
          },
          {
            "name": "X-Hub-Signature-256",
            "in": "header",
            "required": true,
            "schema": {"type": "string", "pattern": "^sha256=[0-9a-fA-F]{64}$"},
            "description": "HMAC-SHA256 of the raw body under the channel's app secret"
          }
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProviderPayload"}}}
        },
        "responses": {
          "200": {
            "description": "Stored after commit",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WhatsAppIngestReply"}}}
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    },
    "/webhooks/wazzup/{secret}": {
      "post": {
        "operationId": "wazzupWebhook",
        "summary": "Wazzup messages and statuses",
        "tags": ["WhatsApp webhooks"],
        "parameters": [
          {
            "name": "secret",
            "in": "path",
            "required": true,
            "description": "The channel's webhook secret (whc_…)",
            "schema": {"type": "string"}
          }
        ],
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ProviderPayload"}}}
        },
        "responses": {
          "200": {
            "description": "Stored after commit, or {\"ok\": true} for Wazzup's test request",
            "content": {
              "application/json": {
                "schema": {
                  "oneOf": [
                    {"$ref": "#/components/schemas/WhatsAppIngestReply"},
                    {"type": "object", "properties": {"ok": {"type": "boolean", "const": true}}, "required": ["ok"]}
                  ]
                }
              }
            }
          },
          "400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "413": {"$ref": "#/components/responses/PayloadTooLarge"},
          "415": {"$ref": "#/components/responses/UnsupportedMediaType"},
          "422": {"$ref": "#/components/responses/Unprocessable"},
          "500": {"$ref": "#/components/responses/InternalError"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {
      "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An agent's API key (sb_…), from `switchboard agents add`"
      },
      "integrationSecret": {
        "type": "http",
        "scheme": "bearer",
        "description": "An integration's webhook secret (whs_…)"
      },
      "switchboardSecretHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Switchboard-Secret",
        "description": "An integration's webhook secret (whs_…)"
      }
    },
    "schemas": {
      "Error": {
        "type": "object",
        "properties": {
          "error": {
            "type": "object",
            "properties": {
              "code": {
                "type": "string",
                "description": "Machine-readable code: invalid_request, invalid_json, invalid_form, missing_field, invalid_field, unprocessable, unknown_event_kind, unauthorized, bad_signature, forbidden, not_found, media_pending, media_failed, media_missing, method_not_allowed, conflict, in_progress, no_sip_account_online, body_too_large, unsupported_media_type, provider_error, provider_unreachable, provider_timeout, not_ready, internal, …"
              },
              "message": {"type": "string", "description": "Human-readable explanation"}
            },
            "required": ["code", "message"]
          }
        },
        "required": ["error"],
        "description": "Every error answers with this body: {\"error\":{\"code\":\"…\",\"message\":\"…\"}}."
      },
      "Agent": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "role": {"type": "string", "enum": ["manager", "supervisor", "quality-control"]},
          "phones": {"type": "array", "items": {"type": "string"}, "description": "E.164 numbers"},
          "sipLogins": {"type": "array", "items": {"type": "string"}},
          "receivesNewClients": {
            "type": "boolean",
            "description": "Notified of (or, round-robin, given) new WhatsApp clients"
          },
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"}
        },
        "required": ["id", "name", "role", "phones", "sipLogins", "receivesNewClients", "createdAt"]
      },
      "AgentWithKey": {
        "allOf": [
          {"$ref": "#/components/schemas/Agent"},
          {"type": "object", "properties": {"apiKey": {"type": "string", "description": "sb_ + 64 hex digits; stored only as a hash"}}, "required": ["apiKey"]}
        ]
      },
      "AgentList": {
        "type": "object",
        "properties": {"agents": {"type": "array", "items": {"$ref": "#/components/schemas/Agent"}}},
        "required": ["agents"]
      },
      "MissedCallTaskSettings": {
        "type": "object",
        "properties": {
          "enabled": {"type": "boolean", "default": true},
          "board": {"type": "string", "default": "calls"},
          "assigneeAgentId": {
            "type": "integer",
            "description": "A fixed assignee; absent or null means the contact's owner"
          },
          "title": {
            "type": "string",
            "default": "Call back {{contact.name}}",
            "description": "Placeholders: {{contact.name}}, {{contact.phone}}, {{call.ourNumber}}"
          },
          "deadlineMinutes": {"type": "integer", "default": 60}
        },
        "additionalProperties": false
      },
      "UTMSettings": {
        "type": "object",
        "properties": {
          "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "UTM key (utm_source, utm_medium, utm_campaign, utm_term, utm_content) → contact field name",
            "propertyNames": {"enum": ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"]}
          },
          "write": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Only these keys are written; absent means every key in fields"
          },
          "mode": {"type": "string", "enum": ["first-touch", "last-touch"], "default": "first-touch"}
        },
        "additionalProperties": false
      },
      "DialTemplate": {
        "type": "object",
        "properties": {
          "method": {"type": "string"},
          "url": {"type": "string", "description": "{{number}}, {{sip}}, {{requestId}} are filled in"},
          "headers": {"type": "object", "additionalProperties": {"type": "string"}},
          "body": {"type": "string"},
          "callIdField": {
            "type": "string",
            "description": "Top-level JSON field of the response holding the provider's call id"
          }
        },
        "required": ["method", "url"],
        "additionalProperties": false
      },
      "DialerSettings": {
        "type": "object",
        "properties": {
          "apiBase": {"type": "string"},
          "apiKey": {
            "type": "string",
            "description": "Write-only; shown as \"(set)\" when configured. Sending \"(set)\" or omitting it on PATCH keeps the stored key; null deletes it."
          },
          "projectId": {"type": "string"},
          "callerId": {"type": "string", "description": "Twilio: the number calls come from"},
          "statusCallback": {"type": "string", "description": "Twilio: the integration's statusCallback URL as integrations add printed it; Twilio reports the calls it places there"},
          "sipAccount": {
            "type": "string",
            "description": "One SIP account for every outbound call; absent means each agent's own"
          },
          "sipDomain": {"type": "string", "description": "Twilio: the SIP domain of bare logins (company.sip.twilio.com); a login without one is dialled as sip:LOGIN@sipDomain"},
          "timeoutSeconds": {"type": "number"},
          "presenceSeconds": {"type": "number"},
          "template": {"$ref": "#/components/schemas/DialTemplate"},
          "presenceURL": {"type": "string", "description": "Answers {\"online\": [...], \"speaking\": [...]}"},
          "extended": {"type": "boolean", "description": "Ringostat: use the extended JSON-RPC callback"}
        },
        "description": "Click-to-call and presence settings of an integration",
        "additionalProperties": false
      },
      "IntegrationSettings": {
        "type": "object",
        "properties": {
          "missedCallTask": {"$ref": "#/components/schemas/MissedCallTaskSettings"},
          "utm": {"$ref": "#/components/schemas/UTMSettings"},
          "dialer": {"$ref": "#/components/schemas/DialerSettings"},
          "timeZone": {
            "type": "string",
            "description": "IANA time zone (Europe/Kyiv) in which Ringostat's calldate and Zadarma's call_start (which carry no offset) are read, and a native occurredAt without an offset (refused with 422 when this is absent); absent means UTC. Times with an offset and Unix times are unaffected. An unknown zone, or a fixed offset such as GMT+2, is refused with 422."
          }
        },
        "description": "Every field has a default, so {} is valid. An unknown key, here or in missedCallTask, utm or dialer, is refused with 422 naming it.",
        "additionalProperties": false
      },
      "Integration": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "provider": {"type": "string", "enum": ["native", "twilio", "zadarma", "ringostat", "aircall"]},
          "region": {"type": "string", "description": "ISO 3166 alpha-2 default region for local numbers"},
          "settings": {"$ref": "#/components/schemas/IntegrationSettings"},
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "removedAt": {
            "type": "string",
            "format": "date-time",
            "description": "When it was removed; only removed integrations (listed with ?removed=true) have it"
          }
        },
        "required": ["id", "name", "provider", "settings", "createdAt"]
      },
      "IntegrationCreated": {
        "allOf": [
          {"$ref": "#/components/schemas/Integration"},
          {
            "type": "object",
            "properties": {
              "secret": {"type": "string", "description": "Our webhook secret (whs_…), shown only once"},
              "webhooks": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "The URLs to give the provider, by event or purpose"
              }
            },
            "required": ["secret", "webhooks"]
          }
        ]
      },
      "IntegrationList": {
        "type": "object",
        "properties": {"integrations": {"type": "array", "items": {"$ref": "#/components/schemas/Integration"}}},
        "required": ["integrations"]
      },
      "IntegrationCreate": {
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "provider": {
            "type": "string",
            "enum": ["native", "twilio", "zadarma", "ringostat", "aircall"],
            "default": "native"
          },
          "region": {"type": "string"},
          "providerSecret": {
            "type": "string",
            "description": "The provider's signing secret (Twilio auth token, Zadarma API secret, Aircall token); never returned"
          },
          "settings": {"$ref": "#/components/schemas/IntegrationSettings"}
        },
        "required": ["name"],
        "additionalProperties": false
      },
      "IntegrationPatch": {
        "type": "object",
        "properties": {
          "name": {"type": "string", "description": "Unique among integrations (a removed one's name is free); 409 when taken"},
          "region": {"type": ["string", "null"], "description": "null clears it"},
          "settings": {
            "type": ["object", "null"],
            "description": "A JSON merge patch (RFC 7396) of the settings (see IntegrationSettings): objects merge key by key, null deletes a key (its default applies), other values replace; null resets every setting"
          },
          "providerSecret": {"type": ["string", "null"], "description": "null removes it"}
        },
        "additionalProperties": false
      },
      "Contact": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "phones": {"type": "array", "items": {"type": "string"}, "description": "E.164"},
          "ownerAgentId": {"type": "integer", "description": "Absent when nobody owns the contact"},
          "fields": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Custom fields (UTM tags land here)"
          },
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "updatedAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC; the last change (a patch that changes nothing leaves it), the contact list's order"}
        },
        "required": ["id", "name", "phones", "fields", "createdAt", "updatedAt"]
      },
      "ContactList": {
        "type": "object",
        "properties": {
          "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}},
          "nextBefore": {"type": "string", "description": "Cursor (updatedAt~id) for the next page; absent on the last page"}
        },
        "required": ["contacts"]
      },
      "ContactCreate": {
        "type": "object",
        "additionalProperties": false,
        "description": "A member of the wrong type, a blank name, an unreadable number or an owner who is no agent or is quality control is a 422",
        "properties": {
          "name": {"type": "string", "minLength": 1, "description": "Not blank"},
          "phones": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Read with region when not international"
          },
          "region": {"type": "string"},
          "ownerAgentId": {
            "type": ["integer", "null"],
            "description": "An agent who is not quality control; absent or null: nobody owns the contact. Ignored for managers (they own what they create)"
          },
          "fields": {
            "type": "object",
            "additionalProperties": {"type": ["string", "null"]},
            "description": "String values; a null or empty one is not set"
          }
        },
        "required": ["name"]
      },
      "ContactPatch": {
        "type": "object",
        "additionalProperties": false,
        "description": "Absent members are left alone; a member of the wrong type, a blank name, an unreadable number or an owner who is no agent or is quality control is a 422",
        "properties": {
          "name": {"type": "string", "minLength": 1, "description": "Not blank"},
          "phones": {"type": "array", "items": {"type": "string"}, "description": "Replaces the contact's numbers"},
          "region": {"type": "string"},
          "ownerAgentId": {
            "type": ["integer", "null"],
            "description": "Supervisors only. An agent who is not quality control, or null: nobody owns the contact (managers no longer see it). The contact's open tasks that went to its owner follow the new one (unassigned for null); its calls no longer change the owner"
          },
          "fields": {
            "type": "object",
            "additionalProperties": {"type": ["string", "null"]},
            "description": "Merged; null clears a field"
          }
        }
      },
      "Deal": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "contactId": {"type": "integer"},
          "title": {"type": "string"},
          "pipeline": {"type": "string"},
          "stage": {"type": "string"},
          "state": {"type": "string", "enum": ["open", "closed"], "description": "open for a deal in progress"},
          "callId": {"type": "integer", "description": "The call the deal was opened from, if any"},
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "updatedAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"}
        },
        "required": ["id", "contactId", "title", "pipeline", "stage", "state", "createdAt", "updatedAt"]
      },
      "DealList": {
        "type": "object",
        "properties": {"deals": {"type": "array", "items": {"$ref": "#/components/schemas/Deal"}}},
        "required": ["deals"]
      },
      "DealUpdate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "title": {"type": "string"},
          "pipeline": {"type": "string"},
          "stage": {"type": "string"},
          "state": {"type": "string", "enum": ["open", "closed"], "description": "closed closes the deal (its stage can say won or lost); open reopens it"}
        }
      },
      "DealCreate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "title": {"type": "string", "description": "Default: \"Deal with <contact name>\""},
          "pipeline": {"type": "string", "default": "default"},
          "stage": {"type": "string", "default": "new"},
          "callId": {"type": "integer", "description": "Links the deal to a call"}
        }
      },
      "Call": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "integrationId": {"type": "integer"},
          "providerCallId": {"type": "string"},
          "direction": {"type": "string", "enum": ["inbound", "outbound"]},
          "clientNumber": {"type": "string", "description": "E.164; absent when the number did not parse"},
          "clientNumberRaw": {"type": "string", "description": "The number as the provider sent it"},
          "ourNumber": {"type": "string"},
          "agentId": {"type": "integer"},
          "sipLogin": {"type": "string"},
          "contactId": {"type": "integer"},
          "ringingAt": {"type": "string", "format": "date-time", "description": ""},
          "answeredAt": {"type": "string", "format": "date-time", "description": ""},
          "endedAt": {"type": "string", "format": "date-time", "description": ""},
          "missedAt": {"type": "string", "format": "date-time", "description": "When the call was missed: its missed moment, else, for an end nobody answered (Twilio's parent leg says only completed), its end"},
          "duration": {"type": "integer", "description": "Seconds"},
          "talkTime": {"type": "integer", "description": "Seconds"},
          "endReason": {"type": "string"},
          "recordingUrl": {"type": "string"},
          "utm": {"type": "object", "additionalProperties": {"type": "string"}},
          "clientId": {"type": "string"},
          "flag": {"type": "string", "description": "Why the call is flagged (e.g. an unparseable number)"},
          "note": {
            "type": "string",
            "description": "How the call was placed, e.g. which SIP account stood in for an offline one"
          },
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "startedAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the call began: its ringing, or the start a provider's report after the call states (the earlier), else its answer, else createdAt. Where it sits on the timeline"
          },
          "dealId": {"type": "integer", "description": "The deal a click-to-call was placed for (its dealId)"},
          "dialedCallId": {"type": "string", "description": "A click-to-call's id at the provider, once known (providerCallId is our request's c2c: id); the provider's webhooks under it land on this call"},
          "state": {"type": "string", "enum": ["requested", "ringing", "answered", "ended"]},
          "outcome": {
            "type": "string",
            "enum": ["answered", "missed", "busy", "failed"],
            "description": "Absent while the call is in progress"
          }
        },
        "required": ["id", "integrationId", "providerCallId", "direction", "utm", "createdAt", "startedAt", "state"]
      },
      "Task": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "kind": {"type": "string", "description": "missed_call or unanswered_message"},
          "board": {"type": "string"},
          "assigneeAgentId": {"type": "integer"},
          "title": {"type": "string"},
          "deadline": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "state": {"type": "string", "enum": ["open", "done"]},
          "contactId": {"type": "integer"},
          "dealId": {"type": "integer"},
          "callId": {"type": "integer"},
          "closedByCallId": {"type": "integer", "description": "The answered call that closed it"},
          "closedByAgentId": {"type": "integer"},
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "closedAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"}
        },
        "required": ["id", "kind", "board", "title", "deadline", "state", "createdAt"]
      },
      "TaskList": {
        "type": "object",
        "properties": {
          "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
          "nextAfter": {"type": "string", "description": "Cursor (deadline~id) for the next page; absent on the last page"}
        },
        "required": ["tasks"]
      },
      "TaskReassign": {
        "type": "object",
        "additionalProperties": false,
        "properties": {"agentId": {"type": "integer", "description": "An agent who is not quality control (422 otherwise)"}},
        "required": ["agentId"]
      },
      "Message": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "channelId": {"type": "integer"},
          "wamid": {"type": "string", "description": "The provider's message id (Meta wamid, Wazzup messageId)"},
          "direction": {"type": "string", "enum": ["inbound", "outbound"]},
          "contactId": {"type": "integer"},
          "dealId": {"type": "integer"},
          "type": {
            "type": "string",
            "description": "text, image, audio, video, document, sticker, interactive, button, reaction, order, system, template, …"
          },
          "text": {"type": "string"},
          "status": {
            "type": "string",
            "description": "received, skipped (inbound); pending, sent, delivered, read, failed, unknown (outbound)"
          },
          "errorCode": {"type": "integer"},
          "errorMessage": {"type": "string"},
          "skippedReason": {"type": "string"},
          "agentId": {"type": "integer", "description": "Who sent it; absent for inbound and phone echoes"},
          "sentAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "details": {"type": "string", "description": "Type-specific details as JSON text"},
          "referral": {"type": "string", "description": "Click-to-WhatsApp ad attribution as JSON text"}
        },
        "required": ["id", "channelId", "direction", "type", "status", "sentAt"]
      },
      "Attachment": {
        "type": "object",
        "properties": {
          "messageId": {"type": "integer"},
          "mediaId": {"type": "string"},
          "channelId": {"type": "integer"},
          "direction": {"type": "string", "enum": ["inbound", "outbound"]},
          "type": {"type": "string"},
          "mimeType": {"type": "string"},
          "filename": {"type": "string"},
          "state": {"type": "string", "enum": ["pending", "stored", "failed"]},
          "size": {"type": "integer", "description": "Bytes, once stored"},
          "attempts": {"type": "integer"},
          "error": {"type": "string"},
          "sentAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "link": {"type": "string", "description": "GET this (with the API key) for the bytes once state is stored"}
        },
        "required": ["messageId", "mediaId", "channelId", "direction", "type", "state", "attempts", "sentAt", "link"]
      },
      "AttachmentList": {
        "type": "object",
        "properties": {"attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}},
        "required": ["attachments"]
      },
      "ThreadMessage": {
        "allOf": [
          {"$ref": "#/components/schemas/Message"},
          {
            "type": "object",
            "properties": {"attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}}},
            "required": ["attachments"]
          }
        ]
      },
      "MessagePage": {
        "type": "object",
        "properties": {
          "messages": {"type": "array", "items": {"$ref": "#/components/schemas/ThreadMessage"}},
          "nextBefore": {"type": "string", "description": "Pass as before for the next page; absent on the last page"}
        },
        "required": ["messages"]
      },
      "Conversation": {
        "type": "object",
        "properties": {
          "contactId": {"type": "integer"},
          "contactName": {"type": "string"},
          "ownerAgentId": {"type": "integer"},
          "channelId": {"type": "integer"},
          "channelName": {"type": "string"},
          "dealId": {"type": "integer"},
          "unanswered": {"type": "integer", "description": "Client messages since the last reply"},
          "lastInboundAt": {"type": "string", "format": "date-time", "description": ""},
          "lastOutboundAt": {"type": "string", "format": "date-time", "description": ""},
          "lastMessageAt": {"type": "string", "format": "date-time", "description": ""},
          "awaitingReply": {"type": "boolean", "description": "The client wrote last and nobody has answered yet"},
          "lastMessage": {"$ref": "#/components/schemas/Message"},
          "messages": {"type": "string", "description": "Link to the thread's messages"}
        },
        "required": [
          "contactId",
          "contactName",
          "channelId",
          "unanswered",
          "lastMessageAt",
          "awaitingReply",
          "messages"
        ],
        "description": "One WhatsApp thread: a client × a business number"
      },
      "ConversationPage": {
        "type": "object",
        "properties": {
          "conversations": {"type": "array", "items": {"$ref": "#/components/schemas/Conversation"}},
          "nextBefore": {"type": "string", "description": "Pass as before for the next page; absent on the last page"}
        },
        "required": ["conversations"]
      },
      "TimelineEntry": {
        "type": "object",
        "properties": {
          "type": {"type": "string", "enum": ["call", "task", "deal", "message"]},
          "at": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "call": {"$ref": "#/components/schemas/Call"},
          "task": {"$ref": "#/components/schemas/Task"},
          "deal": {"$ref": "#/components/schemas/Deal"},
          "message": {"$ref": "#/components/schemas/ThreadMessage"}
        },
        "required": ["type", "at"],
        "description": "Exactly the property named by type is present"
      },
      "TimelinePage": {
        "type": "object",
        "properties": {
          "items": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
          "nextBefore": {"type": "string", "description": "Cursor (at~id) for the next page; absent on the last page"}
        },
        "required": ["items"]
      },
      "ChannelSettings": {
        "type": "object",
        "properties": {
          "syncFilter": {"type": "string", "enum": ["everyone", "existing", "except"], "default": "everyone"},
          "exceptions": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Numbers not synced when syncFilter is except"
          },
          "pipeline": {"type": "string", "default": "default"},
          "stage": {"type": "string", "default": "new"},
          "createAs": {"type": "string", "enum": ["lead", "contact"], "default": "lead"},
          "closedDealsPolicy": {"type": "string", "enum": ["notify", "new-deal"], "default": "notify"},
          "distribution": {"type": "string", "enum": ["unsorted", "round-robin"], "default": "unsorted"},
          "apiBase": {"type": "string", "default": "https://graph.facebook.com"},
          "apiVersion": {"type": "string", "default": "v21.0"}
        },
        "description": "Every field has a default, so {} is valid"
      },
      "Channel": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "provider": {"type": "string", "enum": ["meta", "wazzup"]},
          "phoneNumberId": {"type": "string", "description": "Meta phone_number_id, or the Wazzup channel id"},
          "displayNumber": {"type": "string"},
          "region": {"type": "string"},
          "settings": {"$ref": "#/components/schemas/ChannelSettings"},
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "hasAccessToken": {"type": "boolean"}
        },
        "required": ["id", "name", "provider", "settings", "createdAt", "hasAccessToken"]
      },
      "ChannelCreated": {
        "allOf": [
          {"$ref": "#/components/schemas/Channel"},
          {
            "type": "object",
            "properties": {
              "webhook": {"type": "string", "description": "The webhook URL to register with the provider"},
              "secret": {
                "type": "string",
                "description": "The channel's webhook secret (whc_…), shown only once; the Wazzup webhook URL carries it"
              }
            },
            "required": ["webhook", "secret"]
          }
        ]
      },
      "ChannelList": {
        "type": "object",
        "properties": {"channels": {"type": "array", "items": {"$ref": "#/components/schemas/Channel"}}},
        "required": ["channels"]
      },
      "ChannelCreate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string", "description": "Letters, digits, - or _ (part of the webhook URL)"},
          "provider": {"type": "string", "enum": ["meta", "wazzup"], "default": "meta"},
          "phoneNumberId": {"type": "string"},
          "displayNumber": {"type": "string"},
          "region": {"type": "string"},
          "appSecret": {"type": "string", "description": "Meta app secret (X-Hub-Signature-256)"},
          "verifyToken": {"type": "string", "description": "Meta subscription handshake"},
          "accessToken": {"type": "string", "description": "Meta access token, or the Wazzup API key"},
          "settings": {"$ref": "#/components/schemas/ChannelSettings"}
        },
        "required": ["name"]
      },
      "AgentPatch": {
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "role": {"type": "string", "enum": ["manager", "supervisor", "quality-control"], "description": "quality-control is 409 for an agent who owns clients or has open tasks"},
          "phones": {"type": "array", "items": {"type": "string"}, "description": "Replaces the list; E.164 with +"},
          "sipLogins": {"type": "array", "items": {"type": "string"}, "description": "Replaces the list; a login another agent has is 409"},
          "receivesNewClients": {"type": "boolean"}
        },
        "additionalProperties": false,
        "description": "Members left out stay as they are; unknown members are 422"
      },
      "ChannelPatch": {
        "type": "object",
        "properties": {
          "region": {"type": "string"},
          "phoneNumberId": {"type": "string"},
          "displayNumber": {"type": ["string", "null"], "description": "null clears it"},
          "appSecret": {"type": "string"},
          "verifyToken": {"type": "string"},
          "accessToken": {"type": "string"},
          "settings": {
            "oneOf": [{"$ref": "#/components/schemas/ChannelSettings"}, {"type": "null"}],
            "description": "Merged into the stored settings (RFC 7396): settings left out stay, a null one goes back to its default; null is every default"
          }
        },
        "additionalProperties": false,
        "description": "A merge patch; name and provider cannot change (422), nor can unknown members be sent; region, phoneNumberId and the tokens take a string (null is 422), displayNumber null clears it"
      },
      "CannedAnswer": {
        "type": "object",
        "properties": {
          "id": {"type": "integer"},
          "name": {"type": "string"},
          "text": {"type": "string", "description": "With merge fields"},
          "module": {"type": "string", "enum": ["contact", "deal"]},
          "createdBy": {"type": "integer"},
          "createdAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"},
          "updatedAt": {"type": "string", "format": "date-time", "description": "RFC 3339 UTC"}
        },
        "required": ["id", "name", "text", "module", "createdAt", "updatedAt"]
      },
      "CannedAnswerList": {
        "type": "object",
        "properties": {"cannedAnswers": {"type": "array", "items": {"$ref": "#/components/schemas/CannedAnswer"}}},
        "required": ["cannedAnswers"]
      },
      "CannedAnswerCreate": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string"},
          "text": {"type": "string"},
          "module": {"type": "string", "enum": ["contact", "deal"]}
        },
        "required": ["name", "text", "module"]
      },
      "CannedAnswerPatch": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "name": {"type": "string"},
          "text": {"type": "string"},
          "module": {
            "type": "string",
            "enum": ["contact", "deal"],
            "description": "Fixed once created: a different value is a 422"
          }
        }
      },
      "ClickToCallRequest": {
        "type": "object",
        "properties": {
          "contactId": {"type": "integer", "description": "Call the contact's first number"},
          "number": {"type": "string", "description": "Or this number (read with region or the integration's)"},
          "region": {"type": "string"},
          "integrationId": {"type": "integer", "description": "Needed when several integrations place calls"},
          "dealId": {"type": "integer"},
          "idempotencyKey": {"type": "string", "description": "Alternative to the Idempotency-Key header"}
        },
        "additionalProperties": false,
        "description": "contactId or number is required; a member not listed here is 422 naming it"
      },
      "ClickToCallResult": {
        "type": "object",
        "properties": {
          "requestId": {"type": "string"},
          "call": {"$ref": "#/components/schemas/Call"},
          "integrationId": {"type": "integer"},
          "sipAccount": {"type": "string", "description": "The SIP account that was bridged"},
          "requestedSipAccount": {"type": "string"},
          "fallback": {"type": "boolean", "description": "Another SIP account stood in for the requested one"},
          "fallbackReason": {"type": "string"},
          "state": {"type": "string", "enum": ["dialing", "dialed", "failed", "unknown"]},
          "providerCallId": {"type": "string"},
          "error": {"type": "string"}
        },
        "required": ["requestId", "integrationId", "sipAccount", "requestedSipAccount", "fallback", "state"]
      },
      "SIPAccount": {
        "type": "object",
        "properties": {
          "integrationId": {"type": "integer"},
          "integration": {"type": "string"},
          "login": {"type": "string"},
          "agentId": {"type": "integer"},
          "agentName": {"type": "string"},
          "online": {"type": "boolean"},
          "onCall": {"type": "boolean"},
          "presenceError": {"type": "string", "description": "Why presence is unknown or partial for this integration (its provider's status API failed, or nothing reports presence for it: then the account asked for is dialled as it is, unless a presence webhook said it is offline); online and onCall are then false except for accounts presence webhooks named"}
        },
        "required": ["integrationId", "integration", "login", "online", "onCall"]
      },
      "SIPAccountList": {
        "type": "object",
        "properties": {"sipAccounts": {"type": "array", "items": {"$ref": "#/components/schemas/SIPAccount"}}},
        "required": ["sipAccounts"]
      },
      "OutboundTemplate": {
        "type": "object",
        "properties": {
          "name": {"type": "string"},
          "language": {"type": "string", "description": "ro, en_US, …"},
          "parameters": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Body parameters; merge fields are filled in"
          }
        },
        "required": ["name", "language"]
      },
      "OutboundAttachment": {
        "type": "object",
        "properties": {
          "type": {"type": "string", "enum": ["image", "document", "audio", "video"]},
          "link": {"type": "string", "format": "uri", "description": "http(s) URL; give link or mediaId"},
          "mediaId": {"type": "string", "description": "Meta media id (Meta channels only)"},
          "caption": {"type": "string", "description": "Not for audio"},
          "filename": {"type": "string"}
        },
        "required": ["type"]
      },
      "OutboundMessage": {
        "type": "object",
        "additionalProperties": false,
        "properties": {
          "text": {
            "type": "string",
            "maxLength": 4096,
            "description": "With merge fields: {{contact.firstName}}, {{contact.name}}, {{contact.phone}}, {{deal.title}}, {{agent.name}}"
          },
          "cannedAnswerId": {"type": "integer", "description": "Instead of text"},
          "template": {"$ref": "#/components/schemas/OutboundTemplate"},
          "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/OutboundAttachment"}, "maxItems": 5},
          "channelId": {
            "type": "integer",
            "description": "Default: the client's most recent thread, else the only channel"
          }
        },
        "description": "text or cannedAnswerId, and/or attachments; or a template on its own"
      },
      "SendResult": {
        "type": "object",
        "properties": {
          "outboundId": {"type": "string"},
          "channelId": {"type": "integer"},
          "message": {"$ref": "#/components/schemas/Message"},
          "messages": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Message"},
            "description": "One per part (each attachment goes as its own message)"
          }
        },
        "required": ["outboundId", "channelId", "messages"]
      },
      "MessagePreview": {
        "type": "object",
        "properties": {
          "channelId": {"type": "integer"},
          "to": {"type": "string", "description": "E.164"},
          "text": {"type": "string", "description": "Rendered text"},
          "template": {"$ref": "#/components/schemas/OutboundTemplate"},
          "attachments": {"type": "array", "items": {"$ref": "#/components/schemas/OutboundAttachment"}},
          "windowOpen": {"type": "boolean", "description": "Free text and attachments may go now"},
          "windowClosesAt": {
            "type": "string",
            "format": "date-time",
            "description": "When the 24-hour customer-service window closes"
          }
        },
        "required": ["channelId", "to", "attachments", "windowOpen"]
      },
      "ConversationReset": {
        "type": "object",
        "additionalProperties": false,
        "properties": {"channelId": {"type": "integer", "description": "Default: every thread with the client"}}
      },
      "ConversationResetResult": {
        "type": "object",
        "properties": {
          "contactId": {"type": "integer"},
          "closedTaskId": {"type": "integer", "description": "The reply task closed, if one was open"}
        },
        "required": ["contactId"]
      },
      "IngestEvent": {
        "type": "object",
        "properties": {
          "status": {"type": "string", "enum": ["stored", "flagged", "duplicate"]},
          "eventId": {"type": "integer"},
          "callId": {"type": "integer"},
          "contactId": {"type": "integer"},
          "taskId": {"type": "integer"},
          "flag": {"type": "string"},
          "warning": {"type": "string", "description": "Stored, but an agentId or sipLogin in it names no agent; says whether the call has an agent anyway"}
        },
        "required": ["status", "eventId"]
      },
      "IngestReply": {
        "type": "object",
        "properties": {
          "status": {"type": "string", "enum": ["stored", "duplicate"]},
          "events": {"type": "array", "items": {"$ref": "#/components/schemas/IngestEvent"}}
        },
        "required": ["status", "events"],
        "description": "Sent after the events are durably committed"
      },
      "IgnoredReply": {
        "type": "object",
        "properties": {"status": {"type": "string", "const": "ignored"}, "reason": {"type": "string"}},
        "required": ["status", "reason"],
        "description": "A provider event that is not a call moment"
      },
      "CallWebhookReply": {
        "oneOf": [{"$ref": "#/components/schemas/IngestReply"}, {"$ref": "#/components/schemas/IgnoredReply"}]
      },
      "WhatsAppIngestReply": {
        "type": "object",
        "properties": {
          "stored": {"type": "integer"},
          "duplicates": {"type": "integer"},
          "skipped": {"type": "integer"},
          "ignoredFields": {"type": "integer"}
        },
        "required": ["stored", "duplicates", "skipped", "ignoredFields"]
      },
      "NativeCallEvent": {
        "type": "object",
        "properties": {
          "callId": {"type": ["string", "integer"], "description": "Also accepted as call_id; a number is read as its digits"},
          "direction": {"type": "string", "enum": ["inbound", "outbound"], "default": "inbound"},
          "clientNumber": {"type": "string"},
          "ourNumber": {"type": "string"},
          "agentId": {"type": "integer"},
          "sipLogin": {"type": "string"},
          "occurredAt": {
            "type": ["string", "integer"],
            "description": "ISO 8601 with an offset, or Unix seconds (a time without an offset only when the integration has a timeZone); default: when received"
          },
          "startedAt": {
            "type": ["string", "integer"],
            "description": "When the call began, for a report sent after it; same formats as occurredAt. Dates a call known only from its end"
          },
          "duration": {"type": "number", "minimum": 0, "description": "Seconds; a fraction is rounded up"},
          "talkTime": {"type": "number", "minimum": 0, "description": "Seconds; a fraction is rounded up"},
          "endReason": {"type": "string"},
          "recordingUrl": {"type": "string"},
          "clientId": {"type": "string"},
          "eventId": {"type": "string", "description": "The sender's id for this event (idempotency)"},
          "utm": {
            "type": "object",
            "description": "The UTM tags as an object instead of utm_* members: utm_source or source, and so on",
            "additionalProperties": {"type": ["string", "number"]}
          },
          "utm_source": {"type": "string"},
          "utm_medium": {"type": "string"},
          "utm_campaign": {"type": "string"},
          "utm_term": {"type": "string"},
          "utm_content": {"type": "string"}
        },
        "required": ["callId"],
        "description": "See webhooks/native-*.md. A member of another type (a boolean, array or object where text belongs) is 422 invalid_field"
      },
      "PresenceReport": {
        "type": "object",
        "properties": {
          "sipLogin": {"type": "string", "description": "Also accepted as login"},
          "online": {"oneOf": [{"type": "boolean"}, {"type": "string", "description": "true/false, 1/0, yes/no, on/off in any case"}, {"type": "integer", "enum": [0, 1]}]},
          "onCall": {"oneOf": [{"type": "boolean"}, {"type": "string", "description": "true/false, 1/0, yes/no, on/off in any case"}, {"type": "integer", "enum": [0, 1]}]},
          "status": {"type": "string", "description": "Alternative to online/onCall: offline, online, speaking, busy"}
        },
        "required": ["sipLogin"]
      },
      "StatusOK": {"type": "object", "properties": {"status": {"type": "string"}}, "required": ["status"]},
      "ProviderPayload": {
        "type": "object",
        "additionalProperties": true,
        "description": "The provider's own document (see webhooks/)"
      }
    },
    "responses": {
      "CallWebhookStored": {
        "description": "Stored, duplicate or ignored",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CallWebhookReply"}}}
      },
      "BadRequest": {
        "description": "Malformed request (bad JSON, bad parameter)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unauthorized": {
        "description": "Missing or unknown credentials",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Forbidden": {
        "description": "The agent's role does not allow this",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "NotFound": {
        "description": "Not found (or not visible to this agent)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Conflict": {
        "description": "Conflict (duplicate name, Idempotency-Key already applied, …)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "PayloadTooLarge": {
        "description": "Body too large",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "UnsupportedMediaType": {
        "description": "Unsupported Content-Type",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "Unprocessable": {
        "description": "Missing or invalid field",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "InternalError": {
        "description": "Internal error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "BadGateway": {
        "description": "The provider refused the request or could not be reached",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "ServiceUnavailable": {
        "description": "Not ready",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      },
      "GatewayTimeout": {
        "description": "The provider did not answer in time (the call may have been placed)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      }
    },
    "parameters": {
      "Id": {"name": "id", "in": "path", "required": true, "description": "Numeric id", "schema": {"type": "integer"}},
      "IdempotencyKey": {
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "schema": {"type": "string"},
        "description": "A retried write with the same key applies once"
      },
      "Limit": {
        "name": "limit",
        "in": "query",
        "required": false,
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50}
      },
      "WebhookSecret": {
        "name": "secret",
        "in": "path",
        "required": true,
        "description": "The integration's webhook secret (whs_…)",
        "schema": {"type": "string"}
      },
      "CallMoment": {
        "name": "kind",
        "in": "path",
        "required": true,
        "description": "Call moment",
        "schema": {"type": "string", "enum": ["ringing", "answered", "ended", "missed"]}
      },
      "Before": {
        "name": "before",
        "in": "query",
        "required": false,
        "schema": {"type": "string"},
        "description": "nextBefore of the previous page"
      }
    }
  }
}
"""#
}
