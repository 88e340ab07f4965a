using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Storytailor.Checks.Packaging;

/// <summary>A file to put in a reproducible zip: its path inside the archive ('/' separators) and its content.</summary>
public sealed record ZipSource(string EntryPath, string SourceFile);

/// <summary>
/// Writes zip archives whose bytes depend only on the entries' paths and contents: entries sorted by
/// path (ordinal), every timestamp 1980-01-01 00:00, Unix permissions 0644 (files) and 0755 (folders),
/// "made by" Unix 2.0 on every platform, no extra fields, no data descriptors, no comments, deflate at
/// a fixed level. System.IO.Compression's ZipArchive records the platform it ran on, so the same
/// inputs give different bytes on Windows and Linux; this writer does not.
/// </summary>
public static class ReproducibleZip
{
    private const ushort DosDate1980 = (0 << 9) | (1 << 5) | 1;
    private const ushort DosTimeMidnight = 0;
    private const ushort Version20 = 20;
    private const ushort MadeByUnix20 = (3 << 8) | 20;
    private const ushort Utf8Names = 1 << 11;
    private const uint RegularFileMode = 0x81A4; // regular file, 0644
    private const uint FolderMode = 0x41ED; // directory, 0755

    public static void Write(string zipPath, IEnumerable<ZipSource> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var entries = files.ToList();
        var duplicate = entries.GroupBy(e => e.EntryPath, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two files map to the same zip entry '{duplicate.Key}': {string.Join(", ", duplicate.Select(d => d.SourceFile))}.");
        }

        var folders = entries.SelectMany(e => Parents(e.EntryPath)).ToHashSet(StringComparer.Ordinal);
        var all = folders.Select(f => (Path: f + "/", Source: (string?)null))
            .Concat(entries.Select(e => (Path: e.EntryPath, Source: (string?)e.SourceFile)))
            .OrderBy(e => e.Path, StringComparer.Ordinal)
            .ToList();
        if (all.Count > ushort.MaxValue)
        {
            throw new InvalidOperationException($"{all.Count} entries do not fit a zip without Zip64 (at most {ushort.MaxValue}).");
        }

        var temporary = zipPath + ".tmp";
        using (var output = new FileStream(temporary, System.IO.FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var central = new MemoryStream();
            foreach (var (path, source) in all)
            {
                var name = Encoding.UTF8.GetBytes(path);
                var content = source is null ? [] : File.ReadAllBytes(source);
                var crc = Crc32.Compute(content);
                var (method, data) = content.Length == 0 ? ((ushort)0, content) : ((ushort)8, Deflate(content));
                var offset = output.Position;
                if (offset > uint.MaxValue - (long)data.Length)
                {
                    throw new InvalidOperationException("The archive is larger than 4 GiB, which needs Zip64.");
                }

                var local = new byte[30];
                BinaryPrimitives.WriteUInt32LittleEndian(local.AsSpan(0), 0x04034b50);
                WriteEntryFields(local.AsSpan(4), method, crc, data.Length, content.Length, name.Length);
                BinaryPrimitives.WriteUInt16LittleEndian(local.AsSpan(28), 0);
                output.Write(local);
                output.Write(name);
                output.Write(data);

                var header = new byte[46];
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(0), 0x02014b50);
                BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), MadeByUnix20);
                WriteEntryFields(header.AsSpan(6), method, crc, data.Length, content.Length, name.Length);
                // extra length, comment length, disk number start, internal attributes: all 0
                var external = source is null ? (FolderMode << 16) | 0x10 : RegularFileMode << 16;
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(38), external);
                BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(42), (uint)offset);
                central.Write(header);
                central.Write(name);
            }

            var centralOffset = output.Position;
            central.Position = 0;
            central.CopyTo(output);
            var end = new byte[22];
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(0), 0x06054b50);
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(8), (ushort)all.Count);
            BinaryPrimitives.WriteUInt16LittleEndian(end.AsSpan(10), (ushort)all.Count);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(12), (uint)central.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(end.AsSpan(16), (uint)centralOffset);
            output.Write(end);
        }

        File.Move(temporary, zipPath, overwrite: true);
    }

    private static IEnumerable<string> Parents(string entryPath)
    {
        var parts = entryPath.Split('/');
        for (var i = 1; i < parts.Length; i++)
        {
            yield return string.Join('/', parts[..i]);
        }
    }

    private static byte[] Deflate(byte[] content)
    {
        using var buffer = new MemoryStream();
        using (var deflate = new DeflateStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            deflate.Write(content);
        }

        return buffer.ToArray();
    }

    /// <summary>
    /// The fields a local file header (from offset 4) and a central directory header (from offset 6)
    /// share, in the same order: version needed, flags, method, time, date, CRC-32, sizes, name length.
    /// </summary>
    private static void WriteEntryFields(Span<byte> at, ushort method, uint crc, int compressedSize, int size, int nameLength)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(at, Version20);
        BinaryPrimitives.WriteUInt16LittleEndian(at[2..], Utf8Names);
        BinaryPrimitives.WriteUInt16LittleEndian(at[4..], method);
        BinaryPrimitives.WriteUInt16LittleEndian(at[6..], DosTimeMidnight);
        BinaryPrimitives.WriteUInt16LittleEndian(at[8..], DosDate1980);
        BinaryPrimitives.WriteUInt32LittleEndian(at[10..], crc);
        BinaryPrimitives.WriteUInt32LittleEndian(at[14..], (uint)compressedSize);
        BinaryPrimitives.WriteUInt32LittleEndian(at[18..], (uint)size);
        BinaryPrimitives.WriteUInt16LittleEndian(at[22..], (ushort)nameLength);
    }
}

internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }

}
