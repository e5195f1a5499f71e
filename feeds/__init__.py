"""Publishers: turn stored events into iCal and RSS feeds plus an index page.

Pure renderers (feeds.ical, feeds.rss, feeds.page) and one writer (feeds.write);
no Prefect and no DuckDB here, so flows can call publish() however they like.
"""

from feeds.specs import FeedSpec, feed_specs
from feeds.write import PublishReport, publish

__all__ = ["FeedSpec", "PublishReport", "feed_specs", "publish"]
