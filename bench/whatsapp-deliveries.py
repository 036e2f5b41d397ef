#!/usr/bin/env python3
"""Writes signed Meta WhatsApp deliveries for bench/whatsapp, one per line:
<X-Hub-Signature-256 value> TAB <body>. Every message id is unique; senders
repeat (a pool of realistic Romanian mobile numbers), as in real traffic.

usage: whatsapp-deliveries.py APP_SECRET PHONE_NUMBER_ID PREFIX COUNT OUT_FILE
"""
import hashlib
import hmac
import json
import sys
import time

secret, phone_number_id, prefix, count, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
now = int(time.time())
senders = 5000
with open(out, "w") as f:
    for n in range(count):
        sender = "4072%07d" % (1000000 + (n * 7919) % senders)
        body = json.dumps({
            "object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "40312345678", "phone_number_id": phone_number_id},
                "contacts": [{"profile": {"name": "Client %d" % (n % senders)}, "wa_id": sender}],
                "messages": [{"from": sender, "id": "wamid.%s.%d" % (prefix, n), "timestamp": str(now),
                              "type": "text", "text": {"body": "Buna ziua, mesajul %d" % n}}]}}]}]},
            separators=(",", ":"))
        signature = hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        f.write("sha256=%s\t%s\n" % (signature, body))
