"""medins-sdk adapter for XML front pages: WS/T 500.52 CDA documents and vendor exports.

* :func:`read_front_page` / :func:`write_front_page`: one CDA document ↔ a
  :class:`~medins_sdk.models.FrontPage`, parsed safely (:mod:`.safe`);
* :class:`CdaReader`: the ``cda-xml`` document reader (files, directories, zip archives);
* :func:`load_mapping`: a vendor's XML export read through a declarative mapping.

See README.md and ``docs/cda-xml.md``.
"""

from medins_adapter_cda_xml.cda_read import read_front_page
from medins_adapter_cda_xml.cda_write import write_front_page
from medins_adapter_cda_xml.mapping import MappingError, MappingReader, load_mapping
from medins_adapter_cda_xml.readers import CdaReader
from medins_adapter_cda_xml.safe import DocumentError, XmlLimits

__version__ = "0.1.0"

__all__ = [
    "CdaReader",
    "DocumentError",
    "MappingError",
    "MappingReader",
    "XmlLimits",
    "__version__",
    "load_mapping",
    "read_front_page",
    "write_front_page",
]
