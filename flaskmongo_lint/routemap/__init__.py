"""The route map: for each endpoint, who may call it and which documents it reads or changes
(``flaskmongo-lint routes``). Built from the analysis the rules use (see :mod:`.build`), as plain
data (:mod:`.model`), rendered by :mod:`.formats` and :mod:`.html`."""
