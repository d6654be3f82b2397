"""Open311 GeoReport v2, served beside the one JSON API so that civic apps and city platforms
(FixMyStreet, SeeClickFix, a 12345 adapter) can file residents' problems and follow them.

It is a wire format, not a second API: the requests it takes go through the same API keys, the
same role grants and the same actions (``needs.actions.do_register_need``,
``cases.actions.do_file_application``) as every other caller's."""
