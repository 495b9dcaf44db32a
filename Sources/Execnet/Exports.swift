// What a host needs, from the layers below; their internals stay behind
// `package` access, for this package's own modules and tests.
@_exported import ExecnetGateway
@_exported import ExecnetWire
@_exported import struct ExecnetTransport.TransportError
@_exported import struct ExecnetTransport.SystemError
@_exported import enum ExecnetTransport.ExitStatus
@_exported import enum ExecnetTransport.TapDirection
@_exported import protocol ExecnetTransport.GatewayTransport
@_exported import protocol ExecnetTransport.TransportProcess
@_exported import class ExecnetTransport.ConnectionExecutor
