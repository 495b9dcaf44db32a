/// Python code this host sends to remote ends. Written for this project;
/// it runs on Python 2.7 and 3.x.
enum RemoteSnippets {
    /// Receives (directory, niceness, variables) and applies them, creating
    /// a missing directory first.
    static let applySettings = """
        import os
        directory, niceness, variables = channel.receive()
        if directory:
            if not os.path.isdir(directory):
                os.makedirs(directory)
            os.chdir(directory)
        if niceness and hasattr(os, "nice"):
            os.nice(niceness)
        for key in variables:
            os.environ[key] = variables[key]
        """

    /// Sends one dict describing the interpreter.
    static let remoteInfo = """
        import os, sys
        channel.send({
            "executable": sys.executable,
            "version_info": tuple(sys.version_info[:5]),
            "platform": sys.platform,
            "cwd": os.getcwd(),
            "pid": os.getpid(),
        })
        """
}
