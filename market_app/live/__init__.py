"""Live commerce: a stall's scheduled broadcasts and flash sales (마감세일) with live prices up to a cap, the
market's schedule and iCalendar feed, subscriptions and reminders, viewers, and the sales of each session."""
