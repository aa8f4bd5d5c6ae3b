"""The outbox: a mail the SMTP server refuses is retried later, never
lost, and sent once."""
from flow import Swish, control, mails_to, wait_for
from support import StackTest


class MailRetry(StackTest):
    def test_refused_mail_is_retried_and_sent_once(self):
        types, event = self.show("mail", seats=5)
        control(self.stack.smtp_control_url, "POST", "/__sink/fail-next",
                {"count": 1, "code": 451})
        c = self.client()
        c.post("/reserve_ticket/", {"chapter_event": event,
                                    "tickets": [{"ticket_type": types["std"], "count": 1}]})
        token = c.post("/start_payment/", {"email_address": "retry@example.com"}).json
        swish = Swish(self.stack)
        swish.act(swish.request_by_token(token)["id"], "pay")
        def refused():
            rows = self.query("SELECT attempts, last_error, sent_at FROM outbox"
                              " WHERE recipient = ?", "retry@example.com")
            return rows[0] if rows and rows[0]["attempts"] > 0 else None
        # The mail run started after the payment meets the refusal.
        row = wait_for(refused, what="the refused attempt")
        self.assertEqual(row["attempts"], 1)
        self.assertIsNone(row["sent_at"])
        self.assertIn("451", row["last_error"])
        self.assertEqual(mails_to(self.stack.mail_dir, "retry@example.com"), [])
        # Not due yet: nothing is sent.
        self.assertIn("sent 0", self.stack.biljett("mail"))
        self.execute("UPDATE outbox SET next_attempt_at = 0 WHERE recipient = 'retry@example.com'")
        self.assertIn("sent 1", self.stack.biljett("mail"))
        self.assertIn("sent 0", self.stack.biljett("mail"))
        self.assertEqual(len(mails_to(self.stack.mail_dir, "retry@example.com")), 1)
        row = self.query("SELECT sent_at FROM outbox WHERE recipient = 'retry@example.com'")[0]
        self.assertIsNotNone(row["sent_at"])


class Cors(StackTest):
    programs = ("catalog", "shop")
    extra_conf = {"cors_origins": "https://shop.example.org http://localhost:5173"}

    def test_allowed_origin_gets_credentials(self):
        c = self.client()
        r = c.get("/get_chapterevents/", headers={"Origin": "https://shop.example.org"})
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "https://shop.example.org")
        self.assertEqual(r.header("Access-Control-Allow-Credentials"), "true")
        r = c.get("/get_chapterevents/", headers={"Origin": "https://evil.example"})
        self.assertIsNone(r.header("Access-Control-Allow-Origin"))

    def test_preflight(self):
        r = self.client().request("OPTIONS", "/reserve_ticket/", headers={
            "Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(r.status, 204)
        self.assertIn("POST", r.header("Access-Control-Allow-Methods"))
        self.assertIn("Content-Type", r.header("Access-Control-Allow-Headers"))
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "http://localhost:5173")


class MailCredentialsNeedTls(StackTest):
    """With smtp_user set, credentials travel only inside TLS: a server
    that offers no STARTTLS (the sink, or a STARTTLS stripped on the way)
    is refused before AUTH, and the mail stays queued with the reason."""
    programs = ("catalog", "auth")
    extra_conf = {"smtp_user": "tickets@example.org",
                  "smtp_password": "smtp-hemlighet-123"}

    def test_no_auth_in_clear(self):
        r = self.client().post("/api/auth/register", {
            "name": "Tove", "email": "tls@example.com", "password": "korrekt häst batteri"})
        self.assertEqual(r.status, 201, r)

        def tried():
            rows = self.query("SELECT attempts, last_error, sent_at FROM outbox"
                              " WHERE recipient = ?", "tls@example.com")
            return rows[0] if rows and (rows[0]["attempts"] > 0 or
                                        rows[0]["sent_at"] is not None) else None
        # The mail run started after registering meets the plain server.
        row = wait_for(tried, what="the first attempt")
        self.assertIsNone(row["sent_at"])
        self.assertIn("TLS", row["last_error"])
        self.execute("UPDATE outbox SET next_attempt_at = 0 WHERE recipient = 'tls@example.com'")
        # A run by hand fails the same way (and exits non-zero).
        self.assertIn("sent 0,", self.stack.biljett("mail", check=False))
        self.assertEqual(control(self.stack.smtp_control_url, "GET", "/__sink/auth"),
                         (200, []))
        self.assertEqual(mails_to(self.stack.mail_dir, "tls@example.com"), [])
        row = self.query("SELECT attempts, sent_at FROM outbox WHERE recipient = ?",
                         "tls@example.com")[0]
        self.assertGreaterEqual(row["attempts"], 2)
        self.assertIsNone(row["sent_at"])
