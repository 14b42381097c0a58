"""`college serve`: the count's web service, an edge like the command line (college/cli/).

It parses requests, calls the domain in `college/` and renders; it holds no rule. It starts
the flows of `flows/` lazily, as the command line does. Modules: `app` (the application and
its renderer), `api` (the JSON contract), `pages` (scrutineers and the public), `committee`
(the Procedures Committee), `passkeys` (WebAuthn sign-in), `security` (limits, headers,
sessions, CSRF), `work` (the flows started in the background), `state` (what it holds).
"""
