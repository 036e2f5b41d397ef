import Foundation

/// Meta's Cloud API send request and its answers
/// (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages).
enum OutboundMetaRequest {
    /// The JSON body of `POST /{version}/{phone_number_id}/messages` for one part, keys sorted
    /// so the stored request is the same every time it is built.
    static func body(for part: WhatsAppOutbound.Part, to: String) -> String {
        var root: [String: Any] = ["messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": part.type]
        if let template = part.template {
            var object: [String: Any] = ["name": template.name, "language": ["code": template.language]]
            if !template.parameters.isEmpty {
                object["components"] = [["type": "body", "parameters": template.parameters.map { ["type": "text", "text": $0] }]]
            }
            root["template"] = object
        } else if let attachment = part.attachment {
            var media: [String: Any] = [:]
            if let link = attachment.link { media["link"] = link }
            if let id = attachment.mediaId { media["id"] = id }
            // Meta takes captions on images, videos and documents, file names on documents only.
            if let caption = part.text, attachment.type != "audio" { media["caption"] = caption }
            if let filename = attachment.filename, attachment.type == "document" { media["filename"] = filename }
            root[attachment.type] = media
        } else {
            root["text"] = ["body": part.text ?? "", "preview_url": false]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            // Only strings, numbers, arrays and dictionaries go in: serialising cannot fail.
            preconditionFailure("Meta request for \(part.partId) is not JSON")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The message id of a 2xx answer: `{"messages":[{"id":"wamid.…"}]}`.
    static func messageId(in body: [UInt8]) -> String? {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let messages = object["messages"] as? [[String: Any]] else { return nil }
        return messages.first?["id"] as? String
    }

    /// Meta's error code and the most useful message of an error answer:
    /// `{"error":{"code":131047,"message":"…","error_data":{"details":"…"}}}`.
    static func error(in body: [UInt8]) -> (code: Int?, message: String?) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
              let error = object["error"] as? [String: Any] else { return (nil, nil) }
        let details = (error["error_data"] as? [String: Any])?["details"] as? String
        return ((error["code"] as? NSNumber)?.intValue, details ?? (error["message"] as? String))
    }
}
