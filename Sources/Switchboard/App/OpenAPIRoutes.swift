import HTTPServer

/// `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of every endpoint, without authentication.
enum OpenAPIRoutes {
    static func register(on router: inout Router, _ context: RouteContext) {
        let bytes = OpenAPIDocument.bytes
        router.get("/api/v1/openapi.json") { _, responder in
            responder.send(.json(bytes: bytes))
        }
    }
}
