"""Notifications: each user's inbox (GET /me/notifications), filled through channels behind one interface
(the inbox today; SMS or KakaoTalk later), and the reactions that tell people what happened to their orders."""
