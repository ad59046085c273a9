package io.slotring.codec;

/**
 * RESP2 and RESP3 type bytes: the first byte of every token on the wire.
 * <p>
 * Values are the wire bytes themselves so a {@link RespReader#type()} can be compared against these constants
 * (or switched on) with no mapping step.
 */
public final class RespType
{
    /** {@code +OK\r\n} (RESP2). */
    public static final byte SIMPLE_STRING = '+';
    /** {@code -ERR message\r\n} (RESP2). */
    public static final byte ERROR = '-';
    /** {@code :42\r\n} (RESP2). */
    public static final byte INTEGER = ':';
    /** {@code $5\r\nhello\r\n}, null as {@code $-1\r\n} (RESP2). */
    public static final byte BULK_STRING = '$';
    /** {@code *2\r\n...}, null as {@code *-1\r\n} (RESP2). */
    public static final byte ARRAY = '*';
    /** {@code _\r\n} (RESP3). */
    public static final byte NULL = '_';
    /** {@code ,3.14\r\n}, also {@code inf}, {@code -inf}, {@code nan} (RESP3). */
    public static final byte DOUBLE = ',';
    /** {@code #t\r\n} or {@code #f\r\n} (RESP3). */
    public static final byte BOOLEAN = '#';
    /** {@code !21\r\nSYNTAX invalid syntax\r\n} (RESP3). */
    public static final byte BLOB_ERROR = '!';
    /** {@code =15\r\ntxt:Some string\r\n} (RESP3). */
    public static final byte VERBATIM_STRING = '=';
    /** {@code (3492890328409238509324850943850943825024385\r\n} (RESP3). */
    public static final byte BIG_NUMBER = '(';
    /** {@code %2\r\n} followed by 2 key/value pairs, i.e. 4 values (RESP3). */
    public static final byte MAP = '%';
    /** {@code ~3\r\n} followed by 3 values (RESP3). */
    public static final byte SET = '~';
    /** {@code >3\r\n} out-of-band push: pub/sub messages, invalidations (RESP3). */
    public static final byte PUSH = '>';
    /** {@code |1\r\n} followed by 1 key/value pair, decorating the value that follows it (RESP3). */
    public static final byte ATTRIBUTE = '|';

    private RespType()

    {

    }

    /**
     * Human-readable name of a type byte, for logs and error messages (not for hot paths).
     *
     * @param type the wire type byte.
     * @return the constant's name, e.g. {@code "BULK_STRING"}, or {@code "UNKNOWN"}.
     */
    public static String name(final byte type)
    {
        switch (type)
        {
            case SIMPLE_STRING: return "SIMPLE_STRING";
            case ERROR: return "ERROR";
            case INTEGER: return "INTEGER";
            case BULK_STRING: return "BULK_STRING";
            case ARRAY: return "ARRAY";
            case NULL: return "NULL";
            case DOUBLE: return "DOUBLE";
            case BOOLEAN: return "BOOLEAN";
            case BLOB_ERROR: return "BLOB_ERROR";
            case VERBATIM_STRING: return "VERBATIM_STRING";
            case BIG_NUMBER: return "BIG_NUMBER";
            case MAP: return "MAP";
            case SET: return "SET";
            case PUSH: return "PUSH";
            case ATTRIBUTE: return "ATTRIBUTE";
            default: return "UNKNOWN";
        }
    }

    /**
     * Is this type byte an aggregate (its header is followed by child values)?
     *
     * @param type the wire type byte.
     * @return true for array, map, set, push and attribute.
     */
    public static boolean isAggregate(final byte type)
    {
        return type == ARRAY || type == MAP || type == SET || type == PUSH || type == ATTRIBUTE;
    }

    /**
     * Is this type byte an error reply ({@link #ERROR} or {@link #BLOB_ERROR})?
     *
     * @param type the wire type byte.
     * @return true for the two error types.
     */
    public static boolean isError(final byte type)
    {
        return type == ERROR || type == BLOB_ERROR;
    }
}
