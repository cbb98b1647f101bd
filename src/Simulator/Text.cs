using System.Globalization;
using System.Text;

namespace Neuromorphic.Simulator;

/// <summary>Showing text that came from a file (a model's format string, NIR node names and types, dataset paths).</summary>
public static class Text
{
    /// <summary>The longest text shown; the rest is counted, not printed.</summary>
    public const int MaxShown = 200;
    /// <summary>The longest message line (an error, a note) shown.</summary>
    public const int MaxLine = 4000;

    /// <summary>
    /// <paramref name="s"/> on one line with nothing a terminal would act on: C0 and C1 control characters, DEL,
    /// line and paragraph separators, bidirectional overrides and isolates, and unpaired surrogates are written as
    /// <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\xHH</c> / <c>\uHHHH</c>; text beyond <paramref name="max"/> characters (default <see cref="MaxShown"/>)
    /// is
    /// cut (<paramref name="max"/>) and its length stated. A file can then neither clear the screen, set the title nor forge extra lines.
    /// </summary>
    public static string Escape(string? s, int max = MaxShown)
    {
        if (s == null) return "";
        var b = new StringBuilder(Math.Min(s.Length, max) + 8);
        int i = 0;
        for (; i < s.Length && i < max; i++)
        {
            char c = s[i];
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { b.Append(c).Append(s[++i]); continue; }
            switch (c)
            {
                case '\n': b.Append("\\n"); break;
                case '\r': b.Append("\\r"); break;
                case '\t': b.Append("\\t"); break;
                case < ' ' or '\x7f': b.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default:
                    if (Unsafe(c)) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }
        if (i < s.Length) b.Append($"... ({s.Length - i} more characters)");
        return b.ToString();
    }

    /// <summary>A library's message with .NET type names (<c>System.UInt64</c>, <c>System.Nullable`1[System.Double]</c>)
    /// put in words ("a whole number >= 0", "a number"), for messages about what the user gave.</summary>
    public static string Plain(string message)
        => System.Text.RegularExpressions.Regex.Replace(message,
            @"'?System\.Nullable`1\[([A-Za-z0-9_.]+)\]'?|'?(System(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(\[\])?'?", m =>
        {
            string t = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            if (m.Groups[3].Success && m.Groups[3].Value == "[]") return "a list";
            return t switch
            {
                "System.UInt64" or "System.UInt32" or "System.UInt16" or "System.Byte" => "a whole number >= 0",
                "System.Int64" or "System.Int32" or "System.Int16" or "System.SByte" => "a whole number",
                "System.Double" or "System.Single" or "System.Decimal" => "a number",
                "System.Boolean" => "true or false",
                "System.String" => "text",
                _ => "a value of another kind",
            };
        });

    static bool Unsafe(char c) => c is >= '\x80' and <= '\x9f' // C1 controls (CSI, OSC...)
        or '\u2028' or '\u2029' // line and paragraph separators
        or >= '\u202a' and <= '\u202e' or >= '\u2066' and <= '\u2069' or '\u200e' or '\u200f' or '\u061c' // bidi controls
        || char.IsSurrogate(c); // unpaired: a paired one was copied above
}
