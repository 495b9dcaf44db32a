@_exported import ExecnetGateway
@_exported import ExecnetTransport
@_exported import ExecnetWire
