using LakeFs.Core.Errors;

namespace LakeFs.Core.Hooks;

/// <summary>
/// A glob over branch or tag names: <c>*</c> stands for any run of characters (slashes included), <c>?</c> for one
/// character, anything else for itself (ordinal). <c>main</c>, <c>release-*</c>, <c>*</c>.
/// </summary>
internal sealed class RefPattern
{
    private readonly string _glob;
    private readonly bool _literal;

    private RefPattern(string glob)
    {
        _glob = glob;
        _literal = glob.AsSpan().IndexOfAny('*', '?') < 0;
    }

    /// <summary>Matches every name.</summary>
    public static RefPattern All { get; } = new("*");

    /// <summary>The pattern as given.</summary>
    public string Glob => _glob;

    /// <summary>Checks a glob: 1-256 characters of ref names, '*' and '?'.</summary>
    /// <exception cref="InvalidNameException">It has another character.</exception>
    public static RefPattern Parse(string glob)
    {
        ArgumentException.ThrowIfNullOrEmpty(glob);
        if (glob == "*")
        {
            return All;
        }
        foreach (var c in glob)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '*' or '?') || glob.Length > Refs.Names.MaxNameLength)
            {
                throw new InvalidNameException(
                    $"'{glob}' is not a branch pattern: use up to {Refs.Names.MaxNameLength} characters of branch names (letters, digits, '_', '-', '.', '/') with '*' for any run of characters and '?' for one.");
            }
        }
        return new RefPattern(glob);
    }

    /// <summary>Whether <paramref name="name"/> matches the whole pattern.</summary>
    public bool IsMatch(string name)
    {
        if (_literal)
        {
            return string.Equals(_glob, name, StringComparison.Ordinal);
        }
        // Greedy with one backtrack point (the last '*'): linear for patterns like these.
        int p = 0, n = 0, star = -1, mark = 0;
        while (n < name.Length)
        {
            if (p < _glob.Length && (_glob[p] == '?' || _glob[p] == name[n]))
            {
                p++;
                n++;
            }
            else if (p < _glob.Length && _glob[p] == '*')
            {
                star = p++;
                mark = n;
            }
            else if (star >= 0)
            {
                p = star + 1;
                n = ++mark;
            }
            else
            {
                return false;
            }
        }
        while (p < _glob.Length && _glob[p] == '*')
        {
            p++;
        }
        return p == _glob.Length;
    }

    /// <inheritdoc/>
    public override string ToString() => _glob;
}
