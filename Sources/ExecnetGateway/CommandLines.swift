/// The command lines of the transports that start a program: the remote
/// end of each runs the popen one-liner (protocol-spec.md §2).
enum CommandLines {
    /// What the remote shell runs: `<python> -c "<one-liner>"`.
    static func remoteCommand(python: String) -> String {
        "\(python) -c \"\(BootstrapLines.popenProgram)\""
    }

    /// The spec's `python=`, or the default when it is missing or empty (stock: `spec.python or "python"`).
    static func remotePython(_ spec: XSpec, default defaultPython: String) -> String {
        guard let given = spec.python, !given.isEmpty else { return defaultPython }
        return given
    }

    /// Stock's ssh command line: `ssh -C`, `-F <ssh_config>` when given, the
    /// `ssh=` value split on whitespace (so `ssh=-p 2222 user@host` works),
    /// then the remote command as one argument.
    static func ssh(_ spec: XSpec, address: String, defaultPython: String) -> [String] {
        var arguments = ["ssh", "-C"]
        if let config = spec.sshConfig { arguments += ["-F", config] }
        arguments += splitOnWhitespace(address)
        arguments.append(remoteCommand(python: remotePython(spec, default: defaultPython)))
        return arguments
    }

    /// Stock's vagrant_ssh command line: `vagrant ssh NAME -- -C`, then as ssh.
    static func vagrantSSH(_ spec: XSpec, name: String, defaultPython: String) -> [String] {
        var arguments = ["vagrant", "ssh", name, "--", "-C"]
        if let config = spec.sshConfig { arguments += ["-F", config] }
        arguments.append(remoteCommand(python: remotePython(spec, default: defaultPython)))
        return arguments
    }

    /// Python's `str.split()` with no argument: runs of whitespace separate,
    /// none at either end.
    static func splitOnWhitespace(_ text: String) -> [String] {
        text.unicodeScalars.split(whereSeparator: { $0.properties.isWhitespace }).map { String(String.UnicodeScalarView($0)) }
    }
}
