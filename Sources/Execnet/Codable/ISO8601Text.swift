/// ISO 8601 date-times in the form Python's `datetime` writes and reads, to
/// the microsecond (datetime's resolution), for UTC instants.
enum ISO8601Text {
    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`, as `isoformat()` writes an aware
    /// UTC datetime; nil outside the years 1–9999.
    static func format(secondsSince1970 time: Double) -> String? {
        guard time.isFinite, abs(time) < 1e12 else { return nil }
        var whole = Int64(time.rounded(.down))
        var microseconds = Int64(((time - Double(whole)) * 1_000_000).rounded())
        if microseconds == 1_000_000 {
            whole += 1
            microseconds = 0
        }
        let days = whole.floorDivided(by: 86_400)
        let secondOfDay = whole - days * 86_400
        let (year, month, day) = civilDate(daysSince1970: days)
        guard (1...9999).contains(year) else { return nil }
        var text = "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
        text += "T\(padded(secondOfDay / 3600, 2)):\(padded(secondOfDay / 60 % 60, 2)):\(padded(secondOfDay % 60, 2))"
        if microseconds != 0 { text += ".\(padded(microseconds, 6))" }
        return text + "+00:00"
    }

    /// Seconds since 1970 of `YYYY-MM-DD(T| )HH:MM[:SS[(.|,)fraction]]`
    /// followed by `Z` or `±HH:MM[:SS]` or `±HHMM`; nil for anything else,
    /// including a time without an offset.
    static func parse(_ text: String) -> Double? {
        var scanner = Scanner(text)
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2),
              scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2)
        else { return nil }
        var second: Int64 = 0
        var fraction = 0.0
        if scanner.skip(":") {
            guard let value = scanner.number(digits: 2) else { return nil }
            second = value
            if scanner.skip(".") || scanner.skip(",") {
                let digits = scanner.digits()
                guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
                fraction = value
            }
        }
        guard (1...12).contains(month), (1...daysInMonth(month, of: year)).contains(day),
              hour < 24, minute < 60, second < 60,
              let offset = scanner.utcOffset(), scanner.isAtEnd
        else { return nil }
        let days = daysSince1970(year: year, month: month, day: day)
        let whole = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return Double(whole) + fraction
    }

    // Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).

    private static func civilDate(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = shifted.floorDivided(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysSince1970(year: Int64, month: Int64, day: Int64) -> Int64 {
        let marchYear = month <= 2 ? year - 1 : year
        let era = marchYear.floorDivided(by: 400)
        let yearOfEra = marchYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private static func daysInMonth(_ month: Int64, of year: Int64) -> Int64 {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    private struct Scanner {
        private var rest: Substring.UTF8View

        init(_ text: String) { rest = text.utf8[...] }

        var isAtEnd: Bool { rest.isEmpty }

        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard rest.first == UInt8(ascii: character) else { return false }
            rest = rest.dropFirst()
            return true
        }

        mutating func digits() -> String {
            let run = rest.prefix { $0 >= 0x30 && $0 <= 0x39 }
            rest = rest.dropFirst(run.count)
            return String(decoding: run, as: UTF8.self)
        }

        /// Exactly `count` ASCII digits.
        mutating func number(digits count: Int) -> Int64? {
            let run = rest.prefix(count)
            guard run.count == count, run.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            rest = rest.dropFirst(count)
            return run.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
        }

        /// Seconds east of UTC: `Z`, `±HH:MM[:SS]` or `±HHMM`.
        mutating func utcOffset() -> Int64? {
            if skip("Z") || skip("z") { return 0 }
            let sign: Int64
            if skip("+") { sign = 1 } else if skip("-") { sign = -1 } else { return nil }
            guard let hours = number(digits: 2), hours < 24 else { return nil }
            let separated = skip(":")
            guard let minutes = number(digits: 2), minutes < 60 else { return nil }
            var seconds: Int64 = 0
            if separated && skip(":") {
                guard let value = number(digits: 2), value < 60 else { return nil }
                seconds = value
            }
            return sign * (hours * 3600 + minutes * 60 + seconds)
        }
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
