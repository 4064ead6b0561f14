"""What a pytest-httpserver received, less the robots.txt reads the tracker makes before fetching."""


def logged(httpserver) -> list:
    """httpserver.log without GET /robots.txt: the (request, response) pairs a test is about."""
    return [(request, response) for request, response in httpserver.log if request.path != "/robots.txt"]
